"""User administration pages (admins): list and search, add, view, edit, role, access,
sign-in lock, trash and API tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from presslog.audit import repository as audit_repository
from presslog.audit.service import ACTIONS
from presslog.core import params
from presslog.core.errors import Conflict, DomainError, StaleVersion, ValidationError
from presslog.core.feedback import flash_undo
from presslog.core.forms import attach_errors, submitted_version
from presslog.core.pagination import PageRequest
from presslog.core.security import ROLES, require
from presslog.core.transaction import transaction
from presslog.users import admin, repository
from presslog.users.admin_forms import RoleForm, TokenForm, UserCreateForm, UserEditForm
from presslog.users.models import User

bp = Blueprint("users_admin", __name__, url_prefix="/admin/users")

CAPABILITY = "users.manage"


def _filters() -> repository.UserFilters:
    args = request.args
    return repository.UserFilters(
        q=params.text(args, "q"),
        role=params.choice(args, "role", ROLES),
        status=params.choice(args, "status", repository.STATUSES),
    )


def _explain(exc: DomainError) -> str:
    """One sentence for a flash message: the field messages, or the error's detail."""
    if isinstance(exc, ValidationError):
        return " ".join(m for messages in exc.errors.values() for m in messages)
    return exc.detail


def _render_show(
    user: User,
    *,
    status: int = 200,
    role_form: RoleForm | None = None,
    token_form: TokenForm | None = None,
    new_token: Any = None,
) -> ResponseReturnValue:
    return render_template(
        "admin/users/show.html",
        user=user,
        status=admin.status_of(user),
        locked=admin.is_locked(user),
        is_self=user.id == current_user.id,
        tokens=repository.tokens_of(user),
        role_form=role_form or RoleForm(formdata=None, role=user.role),
        token_form=token_form or TokenForm(formdata=None),
        new_token=new_token,
        history=audit_repository.for_entity("user", user.username, limit=20),
        ACTIONS=ACTIONS,
    ), status


def _after_change(user: User, message: str) -> ResponseReturnValue:
    """Back to the user's page; or home, if the admin just took away their own access."""
    flash(message, "success")
    if not current_user.can(CAPABILITY):
        return redirect(url_for("web.index"))
    return redirect(url_for("users_admin.show", username=user.username))


def _act(username: str, change: Callable[[int], User], done: str) -> ResponseReturnValue:
    """Run one action of the user's page against the version the page showed.

    A refused action (stale page, last admin, own account …) shows the page as it is
    now, with the reason; nothing is saved.
    """
    try:
        with transaction():
            user = change(submitted_version(request.form.get("version")))
    except (Conflict, ValidationError) as exc:
        flash(_explain(exc), "danger")
        return _render_show(admin.get_user(username), status=exc.status)
    return _after_change(user, done.format(username=user.username, role=ROLES[user.role]))


@bp.get("")
@require(CAPABILITY)
def index() -> ResponseReturnValue:
    """List and search users."""
    filters = _filters()
    page = admin.list_users(
        filters,
        sort=request.args.get("sort"),
        page=PageRequest.parse(request.args.get("page"), request.args.get("per_page")),
    )
    return render_template(
        "admin/users/index.html",
        page=page,
        filters=filters,
        sort=request.args.get("sort") or "username",
        STATUSES=repository.STATUSES,
        status_of=admin.status_of,
    )


@bp.route("/new", methods=["GET", "POST"])
@require(CAPABILITY)
def create() -> ResponseReturnValue:
    """Add a user with a role and an initial password."""
    form = UserCreateForm()
    if request.method == "POST" and form.validate():
        try:
            with transaction():
                user = admin.create_user(data=form.to_data())
        except ValidationError as exc:
            attach_errors(form, exc.errors)
        except Conflict as exc:
            if exc.field:
                attach_errors(form, {exc.field: [exc.detail]})
            else:
                form.form_errors.append(exc.detail)
            return render_template("admin/users/form.html", form=form, user=None), 409
        else:
            flash(f"User {user.username} added as {ROLES[user.role].lower()}.", "success")
            return redirect(url_for("users_admin.show", username=user.username))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/users/form.html", form=form, user=None), status


@bp.get("/<username>")
@require(CAPABILITY)
def show(username: str) -> ResponseReturnValue:
    """One user: account, sign-in state, API tokens, history and actions."""
    return _render_show(admin.get_user(username))


@bp.route("/<username>/edit", methods=["GET", "POST"])
@require(CAPABILITY)
def edit(username: str) -> ResponseReturnValue:
    """Change a user's full name, e-mail and role; a stale form is refused."""
    user = admin.get_user(username)
    if user.deleted_at is not None:
        flash(f"{user.username} is in the trash. Restore the account to edit it.", "warning")
        return redirect(url_for("users_admin.show", username=user.username))
    form = UserEditForm()
    if request.method == "GET":
        form.fill_from(user)
        return render_template("admin/users/form.html", form=form, user=user)
    form.username.data = user.username  # shown, never taken from the request
    if form.validate():
        try:
            with transaction():
                user = admin.update_user(
                    username=user.username,
                    data=form.to_data(),
                    expected_version=submitted_version(form.version.data),
                    actor=current_user,
                )
        except ValidationError as exc:
            attach_errors(form, exc.errors)
        except StaleVersion as exc:
            flash(exc.detail, "danger")
            current = admin.get_user(username)
            return render_template(
                "admin/users/form.html", form=form, user=current, conflict=True
            ), 409
        except Conflict as exc:
            if exc.field:
                attach_errors(form, {exc.field: [exc.detail]})
            else:
                form.form_errors.append(exc.detail)
            return render_template("admin/users/form.html", form=form, user=user), 409
        else:
            return _after_change(user, f"User {user.username} saved.")
    return render_template("admin/users/form.html", form=form, user=user), 422


@bp.post("/<username>/role")
@require(CAPABILITY)
def change_role(username: str) -> ResponseReturnValue:
    """Give a user another role."""
    form = RoleForm()
    if not form.validate():
        flash(" ".join(form.role.errors), "danger")
        return _render_show(admin.get_user(username), status=422, role_form=form)
    return _act(
        username,
        lambda version: admin.change_role(
            username=username,
            role=form.role.data or "",
            expected_version=version,
            actor=current_user,
        ),
        "{username} is now {role}.",
    )


@bp.post("/<username>/deactivate")
@require(CAPABILITY)
def deactivate(username: str) -> ResponseReturnValue:
    """Stop a user signing in; their sessions and tokens stop working."""
    return _act(
        username,
        lambda version: admin.deactivate(
            username=username, expected_version=version, actor=current_user
        ),
        "{username} is deactivated: they cannot sign in or use API tokens.",
    )


@bp.post("/<username>/reactivate")
@require(CAPABILITY)
def reactivate(username: str) -> ResponseReturnValue:
    """Let a deactivated user sign in again."""
    return _act(
        username,
        lambda version: admin.reactivate(
            username=username, expected_version=version, actor=current_user
        ),
        "{username} is active again.",
    )


@bp.post("/<username>/unlock")
@require(CAPABILITY)
def unlock(username: str) -> ResponseReturnValue:
    """Clear failed sign-ins and the sign-in lock."""
    return _act(
        username,
        lambda version: admin.unlock(
            username=username, expected_version=version, actor=current_user
        ),
        "{username} is unlocked and may sign in again.",
    )


@bp.post("/<username>/delete")
@require(CAPABILITY)
def delete(username: str) -> ResponseReturnValue:
    """Move a user to the trash (the toast offers to undo it)."""
    try:
        with transaction():
            user = admin.delete_user(
                username=username,
                expected_version=submitted_version(request.form.get("version")),
                actor=current_user,
            )
    except (Conflict, ValidationError) as exc:
        flash(_explain(exc), "danger")
        return _render_show(admin.get_user(username), status=exc.status)
    flash_undo(
        f"{user.username} moved to the trash.",
        url_for("users_admin.restore", username=user.username),
        {"version": str(user.version)},
    )
    return redirect(url_for("users_admin.show", username=user.username))


@bp.post("/<username>/restore")
@require(CAPABILITY)
def restore(username: str) -> ResponseReturnValue:
    """Bring a user back from the trash."""
    return _act(
        username,
        lambda version: admin.restore_user(
            username=username, expected_version=version, actor=current_user
        ),
        "{username} restored.",
    )


@bp.post("/<username>/tokens")
@require(CAPABILITY)
def create_token(username: str) -> ResponseReturnValue:
    """Make an API token and show it this once."""
    form = TokenForm()
    if form.validate():
        try:
            with transaction():
                token, plain = admin.create_token(
                    username=username,
                    name=form.name.data or "",
                    expected_version=submitted_version(request.form.get("version")),
                )
        except ValidationError as exc:
            attach_errors(form, {k: v for k, v in exc.errors.items() if k == "name"})
            flash(_explain(exc), "danger")
            return _render_show(admin.get_user(username), status=422, token_form=form)
        except Conflict as exc:
            flash(exc.detail, "danger")
            return _render_show(admin.get_user(username), status=exc.status, token_form=form)
        flash(f"API token {token.name!r} created for {token.user.username}.", "success")
        # Rendered, not redirected: the plain token lives only in this one response.
        return _render_show(admin.get_user(username), new_token={"token": token, "plain": plain})
    flash(" ".join(form.name.errors) or "Check the token name.", "danger")
    return _render_show(admin.get_user(username), status=422, token_form=form)


@bp.post("/<username>/tokens/<int:token_id>/revoke")
@require(CAPABILITY)
def revoke_token(username: str, token_id: int) -> ResponseReturnValue:
    """Revoke one of a user's API tokens."""
    try:
        with transaction():
            token = admin.revoke_token(
                username=username,
                token_id=token_id,
                actor=current_user,
                expected_version=submitted_version(request.form.get("version")),
            )
    except (Conflict, ValidationError) as exc:
        flash(_explain(exc), "danger")
        return _render_show(admin.get_user(username), status=exc.status)
    return _after_change(token.user, f"Token {token.name!r} of {token.user.username} revoked.")
