"""The inbox page and the header's unread count: each user sees only their own
notifications; open / mark read / mark all read through CSRF-checked forms; an "open"
goes only to a path on this site; preferences are saved or refused beside the form."""

from __future__ import annotations

from sqlalchemy import select

from govbridge.core.permissions import Role
from govbridge.identity.models import User
from govbridge.notifications.outbox import notify


def _notify(rt, username: str, subject: str, *, link: str | None = "/agreements",
            urgent: bool = False) -> None:
    with rt.context() as ctx:
        uid = ctx.db.scalar(select(User.id).where(User.username == username))
        notify(ctx, [uid], "test.kind", subject, f"{subject} 正文", link=link, urgent=urgent)


def _unread(html: str) -> str | None:
    marker = 'data-testid="unread-count"'
    if marker not in html:
        return None
    return html.split(marker, 1)[1].split(">", 1)[1].split("<", 1)[0]


def test_the_header_counts_unread_and_the_inbox_shows_only_ones_own(rt, signed_in, account,
                                                                    csrf_of):
    other = account(Role.DATA_OFFICER)
    web, me = signed_in(Role.DATA_OFFICER)
    assert _unread(web.get("/").text) is None  # nothing unread: no badge
    _notify(rt, me.username, "共享申请 A 已答复")
    _notify(rt, me.username, "数据集超期", urgent=True)
    _notify(rt, other.username, "别人的通知")
    home = web.get("/")
    assert _unread(home.text) == "2"
    page = web.get("/notifications")
    assert page.status_code == 200
    assert "共享申请 A 已答复" in page.text and "数据集超期" in page.text
    assert "别人的通知" not in page.text
    assert "notice-urgent" in page.text

    resp = web.post("/notifications/read-all", data={"csrf_token": csrf_of(page.text)},
                    follow_redirects=False)
    assert resp.status_code == 303
    assert _unread(web.get("/").text) is None
    assert "别人的通知" not in web.get("/notifications?unread=1").text


def test_open_marks_read_and_goes_only_to_a_path_of_this_site(rt, signed_in, csrf_of):
    web, me = signed_in(Role.DATA_OFFICER)
    _notify(rt, me.username, "站内链接", link="/agreements/AGR-1")
    _notify(rt, me.username, "外部链接", link="https://evil.example/phish")
    page = web.get("/notifications")
    token = csrf_of(page.text)
    with rt.context() as ctx:
        from govbridge.notifications.models import InboxItem, Notification

        ids = {n.subject: i.id for i, n in ctx.db.execute(
            select(InboxItem, Notification).join(Notification))}
    inside = web.post(f"/notifications/{ids['站内链接']}/read",
                      data={"csrf_token": token, "next": "open"}, follow_redirects=False)
    assert inside.status_code == 303 and inside.headers["location"] == "/agreements/AGR-1"
    outside = web.post(f"/notifications/{ids['外部链接']}/read",
                       data={"csrf_token": token, "next": "open"}, follow_redirects=False)
    assert outside.status_code == 303 and outside.headers["location"] == "/"
    assert _unread(web.get("/").text) is None


def test_no_marking_anothers_notification_and_no_post_without_csrf(rt, signed_in, account,
                                                                   csrf_of):
    other = account(Role.CLERK)
    web, me = signed_in(Role.DATA_OFFICER)
    _notify(rt, other.username, "别人的")
    _notify(rt, me.username, "我的")
    with rt.context() as ctx:
        from govbridge.notifications.models import InboxItem

        theirs = ctx.db.scalar(select(InboxItem.id).join(User, User.id == InboxItem.user_id)
                               .where(User.username == other.username))
    token = csrf_of(web.get("/notifications").text)
    resp = web.post(f"/notifications/{theirs}/read", data={"csrf_token": token})
    assert resp.status_code == 404
    resp = web.post("/notifications/read-all", data={"csrf_token": "forged"})
    assert resp.status_code == 403
    assert _unread(web.get("/").text) == "1"  # nothing changed


def test_preferences_saved_or_refused_beside_the_form(signed_in, csrf_of):
    web, _me = signed_in(Role.DATA_OFFICER)
    token = csrf_of(web.get("/notifications").text)
    bad = web.post("/notifications/preferences", data={
        "csrf_token": token, "email": "on", "email_address": "not an address"})
    assert bad.status_code == 422
    assert "not an address" in bad.text  # the text is kept in the form
    ok = web.post("/notifications/preferences", data={
        "csrf_token": token, "email_address": "officer@example.gov.cn"},
        follow_redirects=False)
    assert ok.status_code == 303
    page = web.get("/notifications?saved=1")
    assert 'value="officer@example.gov.cn"' in page.text
    assert 'name="email" checked' not in page.text  # e-mail turned off
