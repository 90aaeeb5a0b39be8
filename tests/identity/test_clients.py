"""System clients: keys shown once, hashed at rest, scoped, revocable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from govbridge.core.errors import AuthenticationFailed, Conflict, PermissionDenied
from govbridge.core.permissions import Role
from govbridge.identity import clients
from govbridge.identity.actor import Actor
from govbridge.identity.models import ApiClient
from govbridge.identity.schemas import ClientCreate


def _create(rt, actor, org, name="不动产登记系统"):
    with rt.context() as ctx:
        return clients.create_client(ctx, actor, ClientCreate(organization_code=org, name=name))


def _authenticate(rt, key):
    with rt.context() as ctx:
        return clients.actor_for_api_key(ctx, key)


def test_key_is_shown_once_and_stored_hashed(rt, operator, make_org):
    org = make_org()
    created = _create(rt, operator, org)
    secret = created.api_key.split("_", 2)[2]
    with rt.context() as ctx:
        row = ctx.db.scalar(select(ApiClient))
        listed = clients.list_clients(ctx, operator)
    assert secret not in row.secret_hash and len(row.secret_hash) == 64
    assert "api_key" not in listed[0].model_dump()
    actor = _authenticate(rt, created.api_key)
    assert actor.kind == "client" and actor.name == created.key_id


def test_revoked_key_is_refused_with_a_clear_reason(rt, operator, make_org):
    created = _create(rt, operator, make_org())
    with rt.context() as ctx:
        clients.revoke_client(ctx, operator, created.key_id)
    with pytest.raises(AuthenticationFailed) as exc:
        _authenticate(rt, created.api_key)
    assert "revoked" in exc.value.detail


@pytest.mark.parametrize("key", ["", "gbk_", "nonsense", "gbk_abc_def", "Bearer x"])
def test_malformed_or_unknown_keys(rt, key):
    with pytest.raises(AuthenticationFailed):
        _authenticate(rt, key)


def test_wrong_secret_for_a_real_key_id(rt, operator, make_org):
    created = _create(rt, operator, make_org())
    forged = created.api_key[:-4] + ("AAAA" if not created.api_key.endswith("AAAA") else "BBBB")
    with pytest.raises(AuthenticationFailed) as exc:
        _authenticate(rt, forged)
    assert "revoked" not in exc.value.detail


def test_duplicate_name_within_an_organization(rt, operator, make_org):
    org = make_org()
    _create(rt, operator, org)
    with pytest.raises(Conflict):
        _create(rt, operator, org)


def test_data_officer_manages_only_own_organization(rt, operator, make_org, make_user):
    own, other = make_org(), make_org(name="苏州市税务局")
    with rt.context() as ctx:
        from govbridge.identity.organizations import org_by_code

        own_id = org_by_code(ctx, own).id
    officer = Actor.for_user(user_id=5, username="officer", roles=frozenset({Role.DATA_OFFICER}),
                             organization_id=own_id, subject_id=None)
    mine = _create(rt, officer, own)
    with pytest.raises(PermissionDenied) as exc:
        _create(rt, officer, other)
    assert exc.value.permission == "client.manage"
    theirs = _create(rt, operator, other, name="税务核心系统")
    with rt.context() as ctx:
        assert [c.key_id for c in clients.list_clients(ctx, officer)] == [mine.key_id]
    with rt.context() as ctx, pytest.raises(PermissionDenied):
        clients.revoke_client(ctx, officer, theirs.key_id)


def _last_used(rt, key_id):
    with rt.context() as ctx:
        return ctx.db.scalar(select(ApiClient.last_used_at).where(ApiClient.key_id == key_id))


def test_a_key_is_marked_used_when_its_call_commits_at_most_once_a_minute(
        rt, operator, make_org):
    created = _create(rt, operator, make_org())
    assert _last_used(rt, created.key_id) is None
    start = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    rt.clock = lambda: start
    with rt.context() as ctx:
        clients.actor_for_api_key(ctx, created.api_key)
        if ctx.db.get_bind().dialect.name == "sqlite":  # nothing written (no lock) yet
            assert not ctx.db.connection().connection.dbapi_connection.in_transaction
        assert not ctx.db.dirty and not ctx.db.new
    assert _last_used(rt, created.key_id) == start
    rt.clock = lambda: start + timedelta(seconds=59)
    _authenticate(rt, created.api_key)
    assert _last_used(rt, created.key_id) == start  # within the minute: left alone
    later = start + timedelta(minutes=1, seconds=1)
    rt.clock = lambda: later
    _authenticate(rt, created.api_key)
    assert _last_used(rt, created.key_id) == later


def test_a_call_refused_after_its_key_checked_out_marks_the_key_too(rt, operator, make_org):
    created = _create(rt, operator, make_org())
    start = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    rt.clock = lambda: start
    with pytest.raises(PermissionDenied), rt.context() as ctx:
        clients.actor_for_api_key(ctx, created.api_key)
        ctx.db.execute(update(ApiClient).values(name="改过"))  # rolled back with the call
        raise PermissionDenied("test", "refused after authentication")
    assert _last_used(rt, created.key_id) == start
    with rt.context() as ctx:
        assert ctx.db.scalar(select(ApiClient.name)) != "改过"


def test_a_newer_mark_is_not_moved_back(rt, operator, make_org):
    created = _create(rt, operator, make_org())
    start = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    rt.clock = lambda: start
    with rt.context() as slow:  # authenticated first, commits last
        clients.actor_for_api_key(slow, created.api_key)
        rt.clock = lambda: start + timedelta(seconds=30)
        _authenticate(rt, created.api_key)  # another call of the client commits meanwhile
    assert _last_used(rt, created.key_id) == start + timedelta(seconds=30)
