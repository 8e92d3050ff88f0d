"""Resources written once for both clients: "describe, then run".

A resource is one class, generic over its transport, whose methods only describe their API
call: they return the `Call` (method, path, query, body, how to parse the answer). A
decorator says how the call is run, and the flavour reading the method runs it that way:

    class _Teams(Resource[Tr]):
        @operation
        def get(self, team_id: int) -> Call[Team]:
            return get_team(team_id)

    class Teams(_Teams[SyncTransport]): ...        # teams.get(1) -> Team
    class AsyncTeams(_Teams[AsyncTransport]): ...  # await teams.get(1) -> Team

The overloads of each decorator's `__get__` give type checkers and IDEs the real signature of
either flavour (the method's parameters, its `Call`'s value, awaited or not), so no flavour
is written out by hand and none is generated.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from functools import update_wrapper
from inspect import Signature, signature
from typing import Any, Concatenate, Generic, ParamSpec, Self, TypeVar, overload

from calgate.client.transport import AsyncTransport, Call, SyncTransport

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
Tr = TypeVar("Tr", SyncTransport, AsyncTransport)
S = TypeVar("S", bound="Resource[SyncTransport]")
A = TypeVar("A", bound="Resource[AsyncTransport]")

Describe = Callable[Concatenate[Any, P], Call[R]]


class Resource(Generic[Tr]):
    def __init__(self, transport: Tr) -> None:
        self._t: Tr = transport


class _Described(Generic[P, R]):
    def __init__(self, describe: Describe[P, R]) -> None:
        self.describe = describe
        self.__doc__ = describe.__doc__
        whole = signature(describe)
        # What either flavour's method takes (no `self`) and answers (not the `Call`).
        self.signature = whole.replace(
            parameters=tuple(whole.parameters.values())[1:],
            return_annotation=Signature.empty,
        )

    def dressed(self, run: Callable[..., Any]) -> Callable[..., Any]:
        """`run` with the method's name, docs and signature, for `help()` and debuggers."""
        update_wrapper(run, self.describe)
        run.__dict__["__signature__"] = self.signature
        return run


class operation(_Described[P, T]):
    """The method answers its call's value (awaited, in the asyncio flavour)."""

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, obj: Resource[SyncTransport], owner: type[Any]) -> Callable[P, T]: ...
    @overload
    def __get__(
        self, obj: Resource[AsyncTransport], owner: type[Any]
    ) -> Callable[P, Coroutine[Any, Any, T]]: ...
    def __get__(self, obj: Resource[Any] | None, owner: type[Any]) -> Any:
        if obj is None:
            return self
        runs, describe = self.runner(obj._t), self.describe
        if isinstance(obj._t, AsyncTransport):

            async def run_async(*args: Any, **kwargs: Any) -> Any:
                return await runs(describe(obj, *args, **kwargs))

            return self.dressed(run_async)

        def run(*args: Any, **kwargs: Any) -> Any:
            return runs(describe(obj, *args, **kwargs))

        return self.dressed(run)

    @staticmethod
    def runner(t: SyncTransport | AsyncTransport) -> Callable[[Call[Any]], Any]:
        return t.send


class full_listing(operation[P, builtins.list[T]]):
    """The method answers the list of every item of a paged listing, all pages fetched."""

    @staticmethod
    def runner(t: SyncTransport | AsyncTransport) -> Callable[[Call[Any]], Any]:
        return t.every


class listing(_Described[P, builtins.list[T]]):
    """The method answers an iterator over every item of a paged listing (an async
    iterator in the asyncio flavour), fetching pages as the iteration goes."""

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(
        self, obj: Resource[SyncTransport], owner: type[Any]
    ) -> Callable[P, Iterator[T]]: ...
    @overload
    def __get__(
        self, obj: Resource[AsyncTransport], owner: type[Any]
    ) -> Callable[P, AsyncIterator[T]]: ...
    def __get__(self, obj: Resource[Any] | None, owner: type[Any]) -> Any:
        if obj is None:
            return self
        t, describe = obj._t, self.describe

        def run(*args: Any, **kwargs: Any) -> Any:
            return t.pages(describe(obj, *args, **kwargs))

        return self.dressed(run)


class child(Generic[S, A]):
    """A sub-resource (`bookings.attendees`), of its parent's flavour."""

    def __init__(self, sync: type[S], async_: type[A]) -> None:
        self.sync, self.async_ = sync, async_

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, obj: Resource[SyncTransport], owner: type[Any]) -> S: ...
    @overload
    def __get__(self, obj: Resource[AsyncTransport], owner: type[Any]) -> A: ...
    def __get__(self, obj: Resource[Any] | None, owner: type[Any]) -> Any:
        if obj is None:
            return self
        t = obj._t
        made = self.async_(t) if isinstance(t, AsyncTransport) else self.sync(t)
        # Kept on the instance, which then shadows this (non-data) descriptor.
        obj.__dict__[self.name] = made
        return made
