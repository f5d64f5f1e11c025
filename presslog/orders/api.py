"""Order endpoints of the JSON API."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, url_for
from flask.views import MethodView
from flask_login import current_user

from presslog.api import (
    BODY,
    GUARDED,
    SIGNED_IN,
    ApiBlueprint,
    expected_version,
    page_response,
    with_etag,
)
from presslog.core.pagination import PageRequest
from presslog.core.security import ORDER_EDIT_CAPABILITIES, require
from presslog.core.transaction import transaction
from presslog.orders import repository, service
from presslog.orders.schemas import (
    OrderCreateSchema,
    OrderDetailSchema,
    OrderListArgs,
    OrderPageSchema,
    OrderSchema,
    OrderUpdateSchema,
    StatusChangeSchema,
)

blp = ApiBlueprint(
    "orders_api",
    __name__,
    url_prefix="/api/v1/orders",
    description="Orders: search, read, create, change, delete and restore.",
)

detail = OrderDetailSchema()


def _detail(order: Any, status: int = 200) -> Response:
    response = jsonify(detail.dump(order))
    response.status_code = status
    return with_etag(response, order)


@blp.route("")
class Orders(MethodView):
    """The order collection."""

    @require("orders.read")
    @blp.arguments(OrderListArgs, location="query")
    @blp.response(200, OrderPageSchema)
    @blp.answers(*SIGNED_IN)
    def get(self, args: dict[str, Any]) -> Response:
        """Search orders.

        Free text in `q`, field filters, `sort` (prefix `-` for descending) and
        pagination; the answer carries Link headers.
        """
        page_args = PageRequest.parse(args.pop("page"), args.pop("per_page"))
        sort = args.pop("sort", None)
        if args.get("deleted") and not current_user.can("orders.restore"):
            args["deleted"] = False
        filters = repository.OrderFilters(**args)
        page = service.list_orders(filters, sort=sort, page=page_args)
        return page_response(page, OrderSchema(), "orders_api.Orders")

    @require("orders.write")
    @blp.arguments(OrderCreateSchema)
    @blp.response(201, OrderDetailSchema)
    @blp.answers(*SIGNED_IN, *BODY, 409)
    def post(self, data: dict[str, Any]) -> Response:
        """Create an order."""
        with transaction():
            order = service.create_order(data=data, actor=current_user)
        response = _detail(order, 201)
        response.headers["Location"] = url_for("orders_api.OrderItem", log=order.log)
        return response


@blp.route("/<log>")
class OrderItem(MethodView):
    """One order."""

    @require("orders.read")
    @blp.response(200, OrderDetailSchema)
    @blp.answers(*SIGNED_IN, 404)
    def get(self, log: str) -> Response:
        """Read an order with all its records; the ETag guards later writes."""
        return _detail(service.get_order(log))

    @require(*ORDER_EDIT_CAPABILITIES)
    @blp.arguments(OrderUpdateSchema)
    @blp.response(200, OrderDetailSchema)
    @blp.answers(*SIGNED_IN, *BODY, *GUARDED)
    def patch(self, data: dict[str, Any], log: str) -> Response:
        """Change an order. Needs If-Match (the ETag) or `version`: stale → 412 / 409."""
        with transaction():
            order = service.get_order(log)
            version = expected_version(order, data.pop("version", None))
            order = service.update_order(
                log=log, data=data, expected_version=version, actor=current_user
            )
        return _detail(order)

    @require("orders.write")
    @blp.response(204)
    @blp.answers(*SIGNED_IN, *GUARDED)
    def delete(self, log: str) -> Response:
        """Move an order to the trash (restorable). Needs If-Match."""
        with transaction():
            order = service.get_order(log)
            service.delete_order(log=log, expected_version=expected_version(order, None))
        return Response(status=204)


@blp.route("/<log>/restore")
class OrderRestore(MethodView):
    """Bring an order back from the trash."""

    @require("orders.restore")
    @blp.response(200, OrderDetailSchema)
    @blp.answers(*SIGNED_IN, 404, 409)
    def post(self, log: str) -> Response:
        """Restore a deleted order."""
        with transaction():
            order = service.restore_order(log=log)
        return _detail(order)


@blp.route("/<log>/status")
class OrderStatus(MethodView):
    """The order's place in the workflow."""

    @require("orders.write")
    @blp.arguments(StatusChangeSchema)
    @blp.response(200, OrderDetailSchema)
    @blp.answers(*SIGNED_IN, *BODY, *GUARDED)
    def post(self, data: dict[str, Any], log: str) -> Response:
        """Move an order to the next status allowed by the workflow."""
        with transaction():
            order = service.get_order(log)
            version = expected_version(order, data.get("version"))
            order = service.change_status(
                log=log,
                to_status=data["status"],
                expected_version=version,
                actor=current_user,
                note=data.get("note"),
            )
        return _detail(order)
