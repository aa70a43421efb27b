"""A Stack Exchange data dump read as records of the interchange format.

A dump is a folder of XML files with one ``<row .../>`` per record (Users.xml,
Posts.xml, Comments.xml, Votes.xml, Tags.xml, Badges.xml). Each file is read with
expat a chunk at a time, so memory stays flat; entity declarations are refused (no
"billion laughs"), and external entities are never fetched.

The mapping: users become members (no email, no password); questions become question
topics with their tags, in one category or in a category per most-used tag; answers
become posts; comments become comments (replies marked as such) on the post they are on;
``AcceptedAnswerId`` becomes the solution; up-votes (``VoteTypeId`` 2) become helpful
votes at their date, recorded without a voter, as the dump has none. Posts whose author
deleted their account are kept under one "former member" account. That account and the
site's "Community" user (source id -1, the author of wikis and bumps) are system
accounts: they keep their posts and earn nothing, rank nowhere and cannot log in. Badges
are not taken: Tribune's badges are earned again from the imported history."""

from __future__ import annotations

import heapq
import re
from array import array
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any
from xml.parsers import expat

from app.core.permissions import SYSTEM_ROLE
from app.core.text import plain_text
from app.interchange.importer import NOT_IN_SOURCE, Located, NotInSource, RecordSource
from app.interchange.reader import FolderError

CHUNK = 1 << 20
COMMUNITY = "-1"  # the site's own account, not a person
FORMER_MEMBER = "former-member"  # stands for every account deleted before the dump
OTHER = "other"
UP_VOTE = "2"
QUESTION, ANSWER = "1", "2"
_TAG_LIST = re.compile(r"<([^<>]+)>|\|([^|]+)")  # "<a><b>" (old dumps) or "|a|b|"


class DumpError(FolderError):
    """The dump cannot be read on (a file missing, XML that is not well-formed)."""


def rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, attributes) of every ``<row>`` element of one dump file, streamed."""
    parser = expat.ParserCreate()
    pending: list[tuple[int, dict[str, str]]] = []

    def start(name: str, attributes: dict[str, str]) -> None:
        if name == "row":
            pending.append((parser.CurrentLineNumber, attributes))

    def refuse(*_: Any) -> None:
        raise DumpError(f"{path}:{parser.CurrentLineNumber}: entity declarations are refused")

    parser.StartElementHandler = start
    parser.EntityDeclHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    with path.open("rb") as stream:
        try:
            while chunk := stream.read(CHUNK):
                parser.Parse(chunk, False)
                yield from pending
                pending.clear()
            parser.Parse(b"", True)
        except expat.ExpatError as error:
            yield from pending
            raise DumpError(f"{path}:{error.lineno}: not well-formed XML ({error})") from error
        yield from pending


def _count(path: Path, marker: bytes) -> int:
    """Rows holding ``marker``, for the progress bar (a dump writes a row per line)."""
    if not path.is_file():
        return 0
    with path.open("rb") as stream:
        return sum(1 for line in stream if marker in line)


def tag_names(raw: str | None) -> list[str]:
    """A question's tags as Tribune accepts them (32 characters at most)."""
    names = [a or b for a, b in _TAG_LIST.findall(raw or "")]
    return [name.strip().lower()[:32] for name in names if name.strip()][:5]


class IdSet:
    """Which numeric ids a file holds, a bit each (a dump's post ids are dense)."""

    def __init__(self) -> None:
        self.bits = bytearray()

    def add(self, value: str | None) -> None:
        if value and value.isdigit():
            number = int(value)
            if number >> 3 >= len(self.bits):
                self.bits.extend(bytes(max(number >> 3, 2 * len(self.bits)) + 1 - len(self.bits)))
            self.bits[number >> 3] |= 1 << (number & 7)

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str) or not value.isdigit():
            return False
        number = int(value)
        return number >> 3 < len(self.bits) and bool(self.bits[number >> 3] & (1 << (number & 7)))


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "tag"


class Dump:
    """The record sources of one dump folder, in import order."""

    def __init__(self, folder: Path, *, categories: str = "one", top_tags: int = 10,
                 category_name: str | None = None) -> None:  # fmt: skip
        if not (folder / "Posts.xml").is_file():
            raise DumpError(f"{folder / 'Posts.xml'}: missing (is this a Stack Exchange dump?)")
        if categories not in ("one", "top-tags"):
            raise DumpError(f"categories: {categories!r} is not one or top-tags")
        self.folder = folder
        self.by_tag = categories == "top-tags"
        self.category_name = category_name or folder.name
        self.top: dict[str, int] = self._top_tags(top_tags) if self.by_tag else {}
        # Filled as Posts.xml is read (topics, then answers): a vote, a comment or an
        # answer about a post the dump does not hold (deleted) is "not in the dump".
        self.questions, self.answers, self.other_posts = IdSet(), IdSet(), IdSet()
        # Lines, questions and accepted answers, noted as the questions are read.
        self.solutions: tuple[array[int], ...] = _solutions()
        self.solutions_noted = False

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.xml"

    def located(self, name: str) -> Iterator[tuple[str, dict[str, str]]]:
        path = self.path(name)
        if path.is_file():
            for line, row in rows(path):
                yield f"{path}:{line}", row

    def sources(self) -> list[RecordSource]:
        posts, comments = self.path("Posts"), self.path("Comments")
        return [
            RecordSource("members", self.members, partial(_count, self.path("Users"), b"<row")),
            RecordSource("categories", self.categories, lambda: len(self.top) + 1),
            RecordSource("topics", self.topics, partial(_count, posts, b'PostTypeId="1"')),
            RecordSource(
                "posts",
                self.posts,
                lambda: _count(posts, b'PostTypeId="2"') + _count(comments, b"<row"),
            ),
            RecordSource("votes", self.votes, partial(_count, self.path("Votes"), b"<row")),
            RecordSource("accepted", self.accepted, partial(_count, posts, b"AcceptedAnswerId")),
        ]

    # -- one generator per file of the format -------------------------------------------

    def members(self) -> Iterator[Located]:
        earliest = None
        for where, row in self.located("Users"):
            created = row.get("CreationDate")
            if created and (earliest is None or created < earliest):
                earliest = created
            about = plain_text(row.get("AboutMe", ""))
            yield where, {
                "id": row.get("Id"), "username": row.get("DisplayName") or f"user{row.get('Id')}",
                "created_at": created, "bio": about[:2000],
                "role": SYSTEM_ROLE if row.get("Id") == COMMUNITY else "member",
            }  # fmt: skip
        yield f"{self.path('Users')}:end", {
            "id": FORMER_MEMBER, "username": "former_member", "role": SYSTEM_ROLE,
            "created_at": earliest or "2008-07-31T00:00:00",
            "bio": "Posts of accounts deleted before the dump was made.",
        }  # fmt: skip

    def categories(self) -> Iterator[Located]:
        where = f"{self.path('Tags')}:top"
        if not self.by_tag:
            name = self.category_name[:80]
            yield where, {"id": OTHER, "name": name, "slug": _slug(name)[:80], "position": 0}
            return
        slugs: set[str] = set()
        for tag, rank in sorted(self.top.items(), key=lambda item: item[1]):
            slug = _slug(tag)
            while slug in slugs or slug == OTHER:
                slug += "-tag"
            slugs.add(slug)
            yield where, {"id": f"tag:{tag}", "name": tag, "slug": slug, "position": rank}
        yield where, {"id": OTHER, "name": "Other topics", "slug": OTHER, "position": len(slugs)}

    def _top_tags(self, limit: int) -> dict[str, int]:
        """The ``limit`` most used tags and their rank (0 for the most used)."""
        if not self.path("Tags").is_file():
            raise DumpError(f"{self.path('Tags')}: missing (a category per tag needs it)")
        counted = [(int(row.get("Count") or 0), row.get("TagName", ""))
                   for _, row in rows(self.path("Tags"))]  # fmt: skip
        # Most used first; ties by name, so the same dump always gives the same categories.
        best = sorted(counted, key=lambda pair: (-pair[0], pair[1]))[:limit]
        return {name.lower()[:32]: rank for rank, (_, name) in enumerate(best) if name}

    def _category_of(self, tags: list[str]) -> str:
        ranked = [(self.top[tag], tag) for tag in tags if tag in self.top]
        return f"tag:{min(ranked)[1]}" if ranked else OTHER

    def topics(self) -> Iterator[Located]:
        answers: list[tuple[str | None, str | None]] = []
        self.solutions, self.solutions_noted = _solutions(), False
        for where, row in self.located("Posts"):
            if row.get("PostTypeId") != QUESTION:
                if row.get("PostTypeId") == ANSWER:
                    answers.append((row.get("Id"), row.get("ParentId")))
                else:
                    self.other_posts.add(row.get("Id"))  # wikis, tag excerpts: not taken
                continue
            self.questions.add(row.get("Id"))
            self._note_solution(int(where.rsplit(":", 1)[1]), row)
            tags = tag_names(row.get("Tags"))
            yield where, {
                "id": row.get("Id"), "category": self._category_of(tags),
                "author": row.get("OwnerUserId") or FORMER_MEMBER, "kind": "question",
                "title": row.get("Title"), "body": row.get("Body"), "format": "html",
                "tags": tags, "locked": bool(row.get("ClosedDate")),
                "created_at": row.get("CreationDate"),
            }  # fmt: skip
        self.solutions_noted = True
        # Every answer of the file, known before any comment or vote names one.
        for answer, question in answers:
            if question in self.questions:
                self.answers.add(answer)

    def _answers(self) -> Iterator[Located]:
        for where, row in self.located("Posts"):
            if row.get("PostTypeId") == ANSWER:
                if row.get("ParentId") not in self.questions:
                    yield where, NOT_IN_SOURCE  # an answer to a deleted question
                    continue
                yield where, {
                    "id": row.get("Id"), "topic": row.get("ParentId"),
                    "author": row.get("OwnerUserId") or FORMER_MEMBER, "body": row.get("Body"),
                    "format": "html", "created_at": row.get("CreationDate"),
                }  # fmt: skip

    def _comments(self) -> Iterator[Located]:
        for where, row in self.located("Comments"):
            if (status := self._post_status(row.get("PostId"))) is not True:
                yield where, status
                continue
            yield where, {
                "id": f"comment:{row.get('Id')}", "reply_to": row.get("PostId"), "comment": True,
                "author": row.get("UserId") or FORMER_MEMBER, "body": row.get("Text"),
                "format": "markdown", "created_at": row.get("CreationDate"),
            }  # fmt: skip

    def _post_status(self, post: str | None) -> bool | NotInSource | None:
        """True for a question or answer imported; None for a post of another type
        (not taken); NOT_IN_SOURCE for a post the dump does not hold."""
        if post in self.questions or post in self.answers:
            return True
        return None if post in self.other_posts else NOT_IN_SOURCE

    def posts(self) -> Iterator[Located]:
        """Answers and comments in time order: a topic's posts take their places in it."""
        return heapq.merge(self._answers(), self._comments(), key=_created)

    def votes(self) -> Iterator[Located]:
        for where, row in self.located("Votes"):
            if row.get("VoteTypeId") != UP_VOTE:
                yield where, None  # down-votes, favourites, bounties, close votes...
                continue
            if (status := self._post_status(row.get("PostId"))) is not True:
                yield where, status
                continue
            yield where, {"id": row.get("Id"), "post": row.get("PostId"),
                          "created_at": row.get("CreationDate")}  # fmt: skip

    def accepted(self) -> Iterator[Located]:
        """The solutions noted while the questions were read (no second pass over
        Posts.xml, the dump's largest file)."""
        if not self.solutions_noted:
            self._note_solutions()
        posts = self.path("Posts")
        for line, question, answer in zip(*self.solutions, strict=True):
            where = f"{posts}:{line}"
            if str(answer) not in self.answers:
                yield where, NOT_IN_SOURCE
                continue
            yield where, {"topic": str(question), "post": str(answer)}

    def _note_solutions(self) -> None:
        for line, row in rows(self.path("Posts")):
            if row.get("PostTypeId") == QUESTION:
                self._note_solution(line, row)
        self.solutions_noted = True

    def _note_solution(self, line: int, row: dict[str, str]) -> None:
        question, answer = row.get("Id") or "", row.get("AcceptedAnswerId") or ""
        if question.isdigit() and answer.isdigit():  # ids of a dump are numbers
            for values, value in zip(self.solutions, (line, int(question), int(answer)),
                                     strict=True):  # fmt: skip
                values.append(value)


def _solutions() -> tuple[array[int], ...]:
    return array("q"), array("q"), array("q")


def _created(item: Located) -> str:
    record = item[1]
    return str(record.get("created_at") or "") if isinstance(record, dict) else ""
