"""Order endpoints of the JSON API."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, url_for
from flask.views import MethodView
from flask_login import current_user

from presslog.api import (
    BODY,
    CREATED_HEADERS,
    ETAG_HEADER,
    GUARDED,
    LIST_HEADERS,
    SIGNED_IN,
    ApiBlueprint,
    expected_version,
    if_match,
    page_response,
    path_param,
    with_etag,
)
from presslog.core.pagination import PageRequest
from presslog.core.security import ORDER_EDIT_CAPABILITIES, require
from presslog.core.transaction import transaction
from presslog.orders import repository, service
from presslog.orders.schemas import (
    ORDER_CREATE_EXAMPLE,
    ORDER_DETAIL_EXAMPLE,
    ORDER_PAGE_EXAMPLE,
    ORDER_STATUS_CHANGED_EXAMPLE,
    ORDER_UPDATE_EXAMPLE,
    ORDER_UPDATED_EXAMPLE,
    STATUS_CHANGE_EXAMPLE,
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

LOG = path_param("log", "The order's LOG number.", "20001")


def _detail(order: Any, status: int = 200) -> Response:
    response = jsonify(detail.dump(order))
    response.status_code = status
    return with_etag(response, order)


@blp.route("")
class Orders(MethodView):
    """The order collection."""

    @require("orders.read")
    @blp.arguments(OrderListArgs, location="query")
    @blp.response(200, OrderPageSchema, example=ORDER_PAGE_EXAMPLE, headers=LIST_HEADERS)
    @blp.answers(*SIGNED_IN)
    def get(self, args: dict[str, Any]) -> Response:
        """Search orders.

        Free text in `q`, field filters (all combined with AND), `sort` (prefix `-` for
        descending) and `page` / `per_page`. Deleted orders are left out unless
        `deleted=true`. The answer carries Link headers (first, prev, next, last) and,
        when the total is exact, X-Total-Count. A common free-text word over a very
        long list may not be counted to the end: `total_exact` is then false and
        `total` / `pages` are lower bounds. Needs `orders.read` (every role).
        """
        page_args = PageRequest.parse(args.pop("page"), args.pop("per_page"))
        sort = args.pop("sort", None)
        if args.get("deleted") and not current_user.can("orders.restore"):
            args["deleted"] = False
        filters = repository.OrderFilters(**args)
        page = service.list_orders(filters, sort=sort, page=page_args)
        return page_response(page, OrderSchema(), "orders_api.Orders")

    @require("orders.write")
    @blp.arguments(OrderCreateSchema, example=ORDER_CREATE_EXAMPLE)
    @blp.response(201, OrderDetailSchema, example=ORDER_DETAIL_EXAMPLE, headers=CREATED_HEADERS)
    @blp.answers(*SIGNED_IN, *BODY, 409)
    def post(self, data: dict[str, Any]) -> Response:
        """Create an order.

        `log`, `customer` (an existing customer's code), `job_type` and `title` are
        required; `received_on` defaults to today and the status starts at `received`.
        Charges, slots and the shipment may be sent in the same body. A LOG already
        used (trash included) answers 409. Needs `orders.write` (front desk, manager,
        admin). The answer is the new order with its ETag and Location.
        """
        with transaction():
            order = service.create_order(data=data, actor=current_user)
        response = _detail(order, 201)
        response.headers["Location"] = url_for("orders_api.OrderItem", log=order.log)
        return response


@blp.route("/<log>", parameters=[LOG])
class OrderItem(MethodView):
    """One order."""

    @require("orders.read")
    @blp.response(200, OrderDetailSchema, example=ORDER_DETAIL_EXAMPLE, headers=ETAG_HEADER)
    @blp.answers(*SIGNED_IN, 404)
    def get(self, log: str) -> Response:
        """Read an order.

        The order with its charges, slots, shipment and status history. Keep the ETag
        header: send it back in If-Match when you change or delete the order. A
        deleted order answers 404. Needs `orders.read` (every role).
        """
        return _detail(service.get_order(log))

    @require(*ORDER_EDIT_CAPABILITIES)
    @blp.arguments(OrderUpdateSchema, example=ORDER_UPDATE_EXAMPLE)
    @blp.response(200, OrderDetailSchema, example=ORDER_UPDATED_EXAMPLE, headers=ETAG_HEADER)
    @blp.answers(*SIGNED_IN, *BODY, *GUARDED)
    @blp.doc(parameters=[if_match(required=True)])
    def patch(self, data: dict[str, Any], log: str) -> Response:
        """Change an order.

        Send only the fields that change. Name the version you read: If-Match with
        the ETag (a stale one answers 412) or `version` in the body (a stale one
        answers 409); with neither the answer is 428. A list sent (charges, slots)
        replaces the stored one. Front desk, managers and admins may change every
        field; artists only the art fields and shipping only the shipping fields
        (403 otherwise).
        """
        with transaction():
            order = service.get_order(log)
            version = expected_version(order, data.pop("version", None))
            order = service.update_order(
                log=log, data=data, expected_version=version, actor=current_user
            )
        return _detail(order)

    @require("orders.write")
    @blp.response(204, description="Moved to the trash; no body.")
    @blp.answers(*SIGNED_IN, *GUARDED)
    @blp.doc(parameters=[if_match(required=True)])
    def delete(self, log: str) -> Response:
        """Delete an order.

        Moves the order to the trash, from where a manager or admin can restore it.
        If-Match with the ETag of your last read is required (428 without, 412 when
        stale). Needs `orders.write`.
        """
        with transaction():
            order = service.get_order(log)
            service.delete_order(log=log, expected_version=expected_version(order, None))
        return Response(status=204)


@blp.route("/<log>/restore", parameters=[LOG])
class OrderRestore(MethodView):
    """Bring an order back from the trash."""

    @require("orders.restore")
    @blp.response(200, OrderDetailSchema, example=ORDER_DETAIL_EXAMPLE, headers=ETAG_HEADER)
    @blp.answers(*SIGNED_IN, 404, 409)
    def post(self, log: str) -> Response:
        """Restore a deleted order.

        Brings an order back from the trash. An order that is not deleted answers 409.
        Needs `orders.restore` (manager, admin).
        """
        with transaction():
            order = service.restore_order(log=log)
        return _detail(order)


@blp.route("/<log>/status", parameters=[LOG])
class OrderStatus(MethodView):
    """The order's place in the workflow."""

    @require("orders.write")
    @blp.arguments(StatusChangeSchema, example=STATUS_CHANGE_EXAMPLE)
    @blp.response(200, OrderDetailSchema, example=ORDER_STATUS_CHANGED_EXAMPLE, headers=ETAG_HEADER)
    @blp.answers(*SIGNED_IN, *BODY, *GUARDED)
    @blp.doc(parameters=[if_match(required=True)])
    def post(self, data: dict[str, Any], log: str) -> Response:
        """Change an order's status.

        Moves the order one step in the workflow (received → art → approved →
        production → ready → shipped, or cancelled, and some steps back); a step the
        workflow does not allow answers 409 naming the allowed ones. The optional
        `note` goes into the status history. Name the version read as for a change
        (If-Match or `version`). Needs `orders.write`.
        """
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
