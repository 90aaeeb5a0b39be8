"""UI text in Simplified Chinese (the default) and English.

The catalogs are plain Python dicts rather than gettext .po/.mo files: the UI
has a few hundred short strings, two languages and no translators' toolchain,
so dicts keep every message next to its key, typed (`dict[str, str]`), loaded
without a compile step, and testable in one line (the test suite asserts both
languages hold exactly the same keys and the same `{placeholders}`).

`t(lang, key, **values)` looks a key up and fills `str.format` placeholders. A
key missing from a catalog is a bug; `t` then shows the key itself rather
than failing the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

DEFAULT_LANG: Final = "zh-CN"
LANGUAGES: Final = ("zh-CN", "en")

ZH: dict[str, str] = {
    # The frame of every page.
    "app.name": "政务数据共享与一网通办平台",
    "app.tagline": "让数据多跑路，让群众少跑腿",
    "app.footer": "政务数据共享与一网通办平台 · 所有资源由本系统提供，可在政务内网独立运行",
    "lang.other_label": "English",
    "lang.other_title": "Switch to English",
    "skip.main": "跳到主要内容",
    "nav.label": "主导航",
    "nav.home": "首页",
    "nav.organizations": "部门",
    "nav.users": "用户",
    "nav.clients": "系统接入",
    "nav.audit": "审计日志",
    "nav.password": "修改密码",
    "nav.logout": "退出登录",
    "header.signed_in_as": "当前用户：{name}",
    "common.none": "—",
    "common.yes": "是",
    "common.no": "否",
    "common.active": "启用",
    "common.inactive": "停用",
    "common.count": "共 {count} 条",
    "common.colon": "：",
    # Login, second factor, enrollment.
    "login.title": "用户登录",
    "login.intro": "请使用您的账户和密码登录。",
    "login.username": "用户名",
    "login.password": "密码",
    "login.submit": "登录",
    "login.error.wrong": "用户名或密码错误。",
    "login.error.locked": (
        "连续登录失败次数过多，账户已被临时锁定（最长 {minutes} 分钟），请稍后再试。"
    ),
    "login.error.required": "请填写用户名和密码。",
    "login.notice.signed_out": "您已安全退出。",
    "login.notice.expired": "会话已过期或已退出，请重新登录。",
    "totp.title": "两步验证",
    "totp.intro": "请打开您的身份验证器应用，输入当前显示的 6 位动态验证码。",
    "totp.code": "动态验证码",
    "totp.submit": "验证",
    "totp.error.wrong": "验证码错误或已被使用，请等待下一个验证码后重试。",
    "totp.error.required": "请输入 6 位动态验证码。",
    "totp.restart": "重新登录",
    "enroll.title": "绑定身份验证器",
    "enroll.intro": (
        "您的账户需要两步验证。请使用身份验证器应用扫描下方二维码，"
        "或手动输入密钥，然后填写应用显示的 6 位验证码完成绑定。"
    ),
    "enroll.qr_alt": "身份验证器配置二维码",
    "enroll.secret": "密钥（手动输入）",
    "enroll.uri": "配置链接（otpauth）",
    "enroll.submit": "完成绑定",
    "enroll.error.wrong": "验证码错误。系统已生成新的密钥，请重新扫描二维码后再试。",
    "enroll.warning": "密钥仅在此页面显示，请勿截图或转发给他人。",
    # Home.
    "home.title": "首页",
    "home.greeting": "{name}，您好！",
    "home.username": "用户名",
    "home.organization": "所属部门",
    "home.roles": "角色",
    "home.subject.person": "公民身份号码",
    "home.subject.enterprise": "统一社会信用代码",
    "home.duties": "您的职责",
    "home.pages": "常用功能",
    "home.no_pages": "当前角色暂无可用的管理页面，更多功能将陆续开放。",
    "role.bureau_admin": "数据管理局管理员",
    "role.data_officer": "首席数据官",
    "role.clerk": "综合窗口受理员",
    "role.approver": "后台审批人员",
    "role.auditor": "审计员",
    "role.applicant": "申请人",
    "duty.bureau_admin": (
        "运行整个平台：管理部门、用户与系统接入，制定数据标准，审核资源目录，查看审计记录。"
    ),
    "duty.data_officer": (
        "负责本部门的数据资源：发布数据集与证照类型，审批共享申请，管理本部门业务系统的接入密钥。"
    ),
    "duty.clerk": "在综合窗口受理办件，所需证照由系统按办件用途自动调取，无需群众重复提交。",
    "duty.approver": "在承诺时限内审批分派到本部门的办件任务。",
    "duty.auditor": "核验存证账本，审查异常访问，查阅平台的操作审计日志。",
    "duty.applicant": "在线申请政务服务事项，跟踪办件进度，查看谁在何时、为何用途使用了您的数据。",
    "nav_desc.organizations": "查看已登记的部门及其统一社会信用代码。",
    "nav_desc.users": "查看平台账户、角色及两步验证状态。",
    "nav_desc.clients": "为业务系统创建或吊销 API 接入密钥。",
    "nav_desc.audit": "查阅管理操作的审计记录。",
    # Permissions (named on the 403 page).
    "perm.org.manage": "管理部门",
    "perm.org.read": "查看部门",
    "perm.user.manage": "管理用户",
    "perm.user.manage_own_org": "管理本部门用户",
    "perm.user.read": "查看用户",
    "perm.client.manage": "管理系统接入",
    "perm.client.manage_own_org": "管理本部门系统接入",
    "perm.audit.read": "查阅审计日志",
    "perm.self.service": "办理个人事项",
    "perm.standards.read": "查看数据标准",
    "perm.standards.manage": "管理数据标准",
    "perm.catalog.read": "查看资源目录",
    "perm.catalog.review": "审核资源目录",
    "perm.dataset.manage": "管理数据资源",
    "perm.dataset.manage_own_org": "管理本部门数据资源",
    "perm.data.ingest": "汇聚数据",
    "perm.data.ingest_own_org": "汇聚本部门数据",
    "perm.quality.read": "查看数据质量",
    # Organizations.
    "orgs.title": "部门",
    "orgs.intro": "平台上登记的全部部门（单位）。",
    "orgs.code": "统一社会信用代码",
    "orgs.name": "名称",
    "orgs.level": "层级",
    "orgs.parent": "上级部门",
    "orgs.division": "行政区划代码",
    "orgs.vertical": "垂直管理",
    "orgs.status": "状态",
    "orgs.empty": "暂无部门。",
    "level.province": "省级",
    "level.city": "市级",
    "level.district": "区县级",
    # Users.
    "users.title": "用户",
    "users.intro": "平台账户。申请人的身份号码已脱敏显示。",
    "users.username": "用户名",
    "users.display_name": "姓名",
    "users.roles": "角色",
    "users.organization": "所属部门",
    "users.subject": "身份标识",
    "users.totp": "两步验证",
    "users.totp_on": "已绑定",
    "users.totp_off": "未绑定",
    "users.status": "状态",
    "users.empty": "暂无用户。",
    # System clients.
    "clients.title": "系统接入",
    "clients.intro": (
        "部门业务系统使用 API 密钥调用平台接口。密钥只在创建时显示一次，平台仅保存其摘要。"
    ),
    "clients.key_id": "密钥编号",
    "clients.name": "系统名称",
    "clients.organization": "所属部门",
    "clients.created_by": "创建人",
    "clients.created_at": "创建时间",
    "clients.last_used": "最近使用",
    "clients.status": "状态",
    "clients.active": "有效",
    "clients.revoked": "已吊销（{at}）",
    "clients.revoke": "吊销",
    "clients.revoked_ok": "系统接入 {key_id} 已吊销，使用该密钥的调用将被拒绝。",
    "clients.create_title": "新建系统接入",
    "clients.create": "创建并生成密钥",
    "clients.empty": "暂无系统接入。",
    "clients.created_title": "系统接入已创建",
    "clients.created_warning": (
        "请立即复制并妥善保存以下 API 密钥。它只显示这一次，离开本页后将无法再次查看；"
        "如果遗失，只能吊销后重新创建。"
    ),
    "clients.api_key": "API 密钥",
    "clients.back": "返回系统接入列表",
    # Audit.
    "audit.title": "审计日志",
    "audit.intro": "最近 {limit} 条管理操作记录，按时间倒序。",
    "audit.at": "时间",
    "audit.actor": "操作者",
    "audit.action": "操作",
    "audit.target": "对象",
    "audit.outcome": "结果",
    "audit.details": "详情",
    "audit.empty": "暂无审计记录。",
    # Password.
    "password.title": "修改密码",
    "password.intro": (
        "新密码至少 {min} 个字符，不能包含用户名，不能与最近使用过的密码相同，且需足够难以猜测。"
    ),
    "password.old": "当前密码",
    "password.new": "新密码",
    "password.confirm": "确认新密码",
    "password.submit": "修改密码",
    "password.done": "密码已修改。",
    "password.mismatch": "两次输入的新密码不一致。",
    # Errors.
    "form.errors": "请更正以下问题：",
    "error.back_home": "返回首页",
    "error.403.title": "无权访问",
    "error.403.text": "您的账户缺少权限“{label}”（{permission}），无法执行此操作。",
    "error.csrf.title": "请求无法验证",
    "error.csrf.text": "表单已过期或来源无法验证，操作未执行。请返回上一页刷新后重试。",
    "error.404.title": "未找到",
    "error.404.text": "您要找的内容不存在：{detail}",
    "error.400.title": "无法处理请求",
    "error.500.title": "系统错误",
    "error.500.text": "系统发生意外错误，已记录日志。请稍后再试。",
    # Form fields, as named in error messages.
    "field.username": "用户名",
    "field.password": "密码",
    "field.old_password": "当前密码",
    "field.new_password": "新密码",
    "field.confirm_password": "确认新密码",
    "field.totp_code": "动态验证码",
    "field.totp": "两步验证",
    "field.name": "名称",
    "field.organization_code": "所属部门",
    "field.code": "统一社会信用代码",
    "field.subject_id": "身份标识",
    # Problems, by "<field>.<code>" or by "<code>"; the use case's own text is the fallback.
    "problem.password.too_short": "长度至少为 {min} 个字符",
    "problem.password.too_long": "长度不能超过 {max} 个字符",
    "problem.password.contains_username": "不能包含用户名",
    "problem.password.weak": "过于简单，容易被猜到，请使用更长、更不规则的组合",
    "problem.password.reused": "不能与最近使用过的 {count} 个密码相同",
    "problem.old_password.invalid": "与当前密码不符",
    "problem.totp_code.totp": "验证码错误或已被使用",
    "problem.required": "必须填写",
    "problem.missing": "必须填写",
    "problem.string_too_short": "至少需要 {min_length} 个字符",
    "problem.string_too_long": "不能超过 {max_length} 个字符",
    "problem.unknown": "没有使用该代码的部门",
    "problem.conflict": "与已有数据重复（{value}）",
    "problem.invalid": "无效",
}

EN: dict[str, str] = {
    "app.name": "Government Data Sharing and One-Stop Services Platform",
    "app.tagline": "Let the data travel, not the citizen",
    "app.footer": (
        "Government Data Sharing and One-Stop Services Platform · every resource is served "
        "by this system; it runs on an isolated government network"
    ),
    "lang.other_label": "中文",
    "lang.other_title": "切换到中文",
    "skip.main": "Skip to main content",
    "nav.label": "Main navigation",
    "nav.home": "Home",
    "nav.organizations": "Organizations",
    "nav.users": "Users",
    "nav.clients": "System clients",
    "nav.audit": "Audit log",
    "nav.password": "Change password",
    "nav.logout": "Log out",
    "header.signed_in_as": "Signed in as {name}",
    "common.none": "—",
    "common.yes": "Yes",
    "common.no": "No",
    "common.active": "Active",
    "common.inactive": "Inactive",
    "common.count": "{count} in total",
    "common.colon": ": ",
    "login.title": "Log in",
    "login.intro": "Log in with your account and password.",
    "login.username": "Username",
    "login.password": "Password",
    "login.submit": "Log in",
    "login.error.wrong": "Wrong username or password.",
    "login.error.locked": (
        "Too many failed attempts: the account is locked for up to {minutes} minutes. "
        "Try again later."
    ),
    "login.error.required": "Enter your username and password.",
    "login.notice.signed_out": "You have been logged out.",
    "login.notice.expired": "Your session expired or was closed; please log in again.",
    "totp.title": "Two-step verification",
    "totp.intro": "Open your authenticator app and enter the 6-digit code it shows now.",
    "totp.code": "One-time code",
    "totp.submit": "Verify",
    "totp.error.wrong": "Wrong or already used code. Wait for the next code and try again.",
    "totp.error.required": "Enter the 6-digit one-time code.",
    "totp.restart": "Start over",
    "enroll.title": "Set up your authenticator",
    "enroll.intro": (
        "Your account needs two-step verification. Scan the QR code with an authenticator "
        "app, or type the secret in, then enter the 6-digit code the app shows."
    ),
    "enroll.qr_alt": "QR code to set up your authenticator",
    "enroll.secret": "Secret (manual entry)",
    "enroll.uri": "Setup link (otpauth)",
    "enroll.submit": "Confirm",
    "enroll.error.wrong": (
        "Wrong code. A new secret has been generated: scan the new QR code and try again."
    ),
    "enroll.warning": "The secret is shown on this page only; do not screenshot or share it.",
    "home.title": "Home",
    "home.greeting": "Hello, {name}",
    "home.username": "Username",
    "home.organization": "Organization",
    "home.roles": "Roles",
    "home.subject.person": "Citizen ID number",
    "home.subject.enterprise": "Unified social credit code",
    "home.duties": "What you do here",
    "home.pages": "Your pages",
    "home.no_pages": "Your role has no management pages yet; more services are on their way.",
    "role.bureau_admin": "Data bureau administrator",
    "role.data_officer": "Chief data officer",
    "role.clerk": "Front-desk clerk",
    "role.approver": "Back-office approver",
    "role.auditor": "Auditor",
    "role.applicant": "Applicant",
    "duty.bureau_admin": (
        "Runs the platform: departments, users and system clients, data standards, "
        "catalog review and the audit trail."
    ),
    "duty.data_officer": (
        "Looks after your department's data: publishes datasets and certificate types, "
        "approves sharing requests, manages the API keys of your department's systems."
    ),
    "duty.clerk": (
        "Accepts applications at the front desk; the certificates a case needs are fetched "
        "for its purpose, so applicants bring no paper."
    ),
    "duty.approver": "Decides the tasks your department receives within their promised time limit.",
    "duty.auditor": "Verifies the ledger, reviews unusual access and reads the audit trail.",
    "duty.applicant": (
        "Apply for public services online, follow your cases, and see who used your data, "
        "when and why."
    ),
    "nav_desc.organizations": "The registered departments and their credit codes.",
    "nav_desc.users": "Accounts, roles and two-step verification status.",
    "nav_desc.clients": "Create or revoke API keys for business systems.",
    "nav_desc.audit": "The record of administrative actions.",
    "perm.org.manage": "manage organizations",
    "perm.org.read": "view organizations",
    "perm.user.manage": "manage users",
    "perm.user.manage_own_org": "manage users of your organization",
    "perm.user.read": "view users",
    "perm.client.manage": "manage system clients",
    "perm.client.manage_own_org": "manage your organization's system clients",
    "perm.audit.read": "read the audit log",
    "perm.self.service": "personal services",
    "perm.standards.read": "view data standards",
    "perm.standards.manage": "manage data standards",
    "perm.catalog.read": "view the data catalog",
    "perm.catalog.review": "review the data catalog",
    "perm.dataset.manage": "manage datasets",
    "perm.dataset.manage_own_org": "manage your organization's datasets",
    "perm.data.ingest": "load data",
    "perm.data.ingest_own_org": "load your organization's data",
    "perm.quality.read": "view data quality",
    "orgs.title": "Organizations",
    "orgs.intro": "Every department registered on the platform.",
    "orgs.code": "Credit code",
    "orgs.name": "Name",
    "orgs.level": "Level",
    "orgs.parent": "Parent",
    "orgs.division": "Division code",
    "orgs.vertical": "Vertically managed",
    "orgs.status": "Status",
    "orgs.empty": "No organizations yet.",
    "level.province": "Province",
    "level.city": "City",
    "level.district": "District",
    "users.title": "Users",
    "users.intro": "Accounts on the platform. Applicants' ID numbers are masked.",
    "users.username": "Username",
    "users.display_name": "Name",
    "users.roles": "Roles",
    "users.organization": "Organization",
    "users.subject": "Identifier",
    "users.totp": "Two-step",
    "users.totp_on": "Enrolled",
    "users.totp_off": "Not enrolled",
    "users.status": "Status",
    "users.empty": "No users yet.",
    "clients.title": "System clients",
    "clients.intro": (
        "Department systems call the platform's API with an API key. A key is shown once, "
        "when it is created; the platform keeps only its digest."
    ),
    "clients.key_id": "Key ID",
    "clients.name": "System name",
    "clients.organization": "Organization",
    "clients.created_by": "Created by",
    "clients.created_at": "Created",
    "clients.last_used": "Last used",
    "clients.status": "Status",
    "clients.active": "Active",
    "clients.revoked": "Revoked ({at})",
    "clients.revoke": "Revoke",
    "clients.revoked_ok": "System client {key_id} is revoked; calls with its key are refused.",
    "clients.create_title": "New system client",
    "clients.create": "Create and issue key",
    "clients.empty": "No system clients yet.",
    "clients.created_title": "System client created",
    "clients.created_warning": (
        "Copy this API key now and keep it safe. It is shown this one time only and cannot "
        "be displayed again; if it is lost, revoke the client and create a new one."
    ),
    "clients.api_key": "API key",
    "clients.back": "Back to system clients",
    "audit.title": "Audit log",
    "audit.intro": "The latest {limit} administrative actions, newest first.",
    "audit.at": "Time",
    "audit.actor": "Actor",
    "audit.action": "Action",
    "audit.target": "Target",
    "audit.outcome": "Outcome",
    "audit.details": "Details",
    "audit.empty": "No audit events yet.",
    "password.title": "Change password",
    "password.intro": (
        "A new password has at least {min} characters, does not contain your username, "
        "differs from your recent passwords and is hard to guess."
    ),
    "password.old": "Current password",
    "password.new": "New password",
    "password.confirm": "Confirm new password",
    "password.submit": "Change password",
    "password.done": "Your password has been changed.",
    "password.mismatch": "The two new passwords differ.",
    "form.errors": "Please correct the following:",
    "error.back_home": "Back to home",
    "error.403.title": "Access denied",
    "error.403.text": (
        "Your account lacks the permission “{label}” ({permission}) needed for this."
    ),
    "error.csrf.title": "Request could not be verified",
    "error.csrf.text": (
        "The form expired or its origin could not be verified; nothing was done. "
        "Go back, reload the page and try again."
    ),
    "error.404.title": "Not found",
    "error.404.text": "What you are looking for does not exist: {detail}",
    "error.400.title": "Request cannot be processed",
    "error.500.title": "System error",
    "error.500.text": "An unexpected error occurred and has been logged. Please try again later.",
    "field.username": "Username",
    "field.password": "Password",
    "field.old_password": "Current password",
    "field.new_password": "New password",
    "field.confirm_password": "Confirm new password",
    "field.totp_code": "One-time code",
    "field.totp": "Two-step verification",
    "field.name": "Name",
    "field.organization_code": "Organization",
    "field.code": "Credit code",
    "field.subject_id": "Identifier",
    "problem.password.too_short": "must be at least {min} characters long",
    "problem.password.too_long": "must be at most {max} characters long",
    "problem.password.contains_username": "must not contain the username",
    "problem.password.weak": "is too easy to guess; use a longer, less predictable phrase",
    "problem.password.reused": "must differ from your last {count} passwords",
    "problem.old_password.invalid": "does not match your current password",
    "problem.totp_code.totp": "wrong or already used code",
    "problem.required": "is required",
    "problem.missing": "is required",
    "problem.string_too_short": "needs at least {min_length} characters",
    "problem.string_too_long": "must be at most {max_length} characters",
    "problem.unknown": "no organization has this code",
    "problem.conflict": "already exists ({value})",
    "problem.invalid": "is invalid",
}

CATALOGS: Mapping[str, Mapping[str, str]] = {"zh-CN": ZH, "en": EN}


def normalize(code: str | None) -> str | None:
    """A supported language for a code such as 'en', 'en-US', 'zh', 'zh-cn'; else None."""
    if not code:
        return None
    primary = code.strip().lower().replace("_", "-").split("-")[0]
    return {"zh": "zh-CN", "en": "en"}.get(primary)


def has(lang: str, key: str) -> bool:
    return key in CATALOGS.get(lang, ZH)


def t(lang: str, key: str, /, **values: object) -> str:
    """The message `key` in `lang`, with `{placeholders}` filled from `values`."""
    text = CATALOGS.get(lang, ZH).get(key)
    if text is None:
        return key
    if not values:
        return text
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        return text


def other_language(lang: str) -> str:
    return "en" if lang == "zh-CN" else "zh-CN"
