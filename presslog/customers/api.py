"""Customer endpoints of the JSON API."""

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
from presslog.core.security import require
from presslog.core.transaction import transaction
from presslog.customers import repository, service
from presslog.customers.schemas import (
    CUSTOMER_CREATE_EXAMPLE,
    CUSTOMER_CREATED_EXAMPLE,
    CUSTOMER_EXAMPLE,
    CUSTOMER_PAGE_EXAMPLE,
    CUSTOMER_UPDATE_EXAMPLE,
    CUSTOMER_UPDATED_EXAMPLE,
    CustomerCreateSchema,
    CustomerListArgs,
    CustomerListSchema,
    CustomerPageSchema,
    CustomerSchema,
    CustomerUpdateSchema,
)

blp = ApiBlueprint(
    "customers_api",
    __name__,
    url_prefix="/api/v1/customers",
    description="Customers: search, read, create, change, delete and restore.",
)

schema = CustomerSchema()

CODE = path_param("code", "The customer's code (any case).", "BEX51")


def _one(customer: Any, status: int = 200) -> Response:
    response = jsonify(schema.dump(customer))
    response.status_code = status
    return with_etag(response, customer)


@blp.route("")
class Customers(MethodView):
    """The customer collection."""

    @require("customers.read")
    @blp.arguments(CustomerListArgs, location="query")
    @blp.response(200, CustomerPageSchema, example=CUSTOMER_PAGE_EXAMPLE, headers=LIST_HEADERS)
    @blp.answers(*SIGNED_IN)
    def get(self, args: dict[str, Any]) -> Response:
        """Search customers.

        Free text in `q` (code, name, city, e-mail or phone), `city` and `state`
        filters, `sort` and `page` / `per_page`. Items leave out the ship-to
        addresses (read one customer for them). Deleted customers are left out unless
        `deleted=true`. Link headers and X-Total-Count as for orders. Needs
        `customers.read` (every role).
        """
        page_args = PageRequest.parse(args.pop("page"), args.pop("per_page"))
        sort = args.pop("sort", None)
        if args.get("deleted") and not current_user.can("customers.restore"):
            args["deleted"] = False
        page = service.list_customers(repository.CustomerFilters(**args), sort=sort, page=page_args)
        return page_response(page, CustomerListSchema(), "customers_api.Customers")

    @require("customers.write")
    @blp.arguments(CustomerCreateSchema, example=CUSTOMER_CREATE_EXAMPLE)
    @blp.response(
        201,
        CustomerSchema,
        example=CUSTOMER_CREATED_EXAMPLE,
        headers=CREATED_HEADERS,
    )
    @blp.answers(*SIGNED_IN, *BODY, 409)
    def post(self, data: dict[str, Any]) -> Response:
        """Create a customer.

        `code` and `name` are required; the code is stored in upper case. A code
        already used (trash included) answers 409. Needs `customers.write` (front
        desk, manager, admin).
        """
        with transaction():
            customer = service.create_customer(data=data)
        response = _one(customer, 201)
        response.headers["Location"] = url_for("customers_api.CustomerItem", code=customer.code)
        return response


@blp.route("/<code>", parameters=[CODE])
class CustomerItem(MethodView):
    """One customer."""

    @require("customers.read")
    @blp.response(200, CustomerSchema, example=CUSTOMER_EXAMPLE, headers=ETAG_HEADER)
    @blp.answers(*SIGNED_IN, 404)
    def get(self, code: str) -> Response:
        """Read a customer.

        The customer with billing and ship-to addresses. Keep the ETag for a later
        change or delete. A deleted customer answers 404. Needs `customers.read`.
        """
        return _one(service.get_customer(code))

    @require("customers.write")
    @blp.arguments(CustomerUpdateSchema, example=CUSTOMER_UPDATE_EXAMPLE)
    @blp.response(
        200,
        CustomerSchema,
        example=CUSTOMER_UPDATED_EXAMPLE,
        headers=ETAG_HEADER,
    )
    @blp.answers(*SIGNED_IN, *BODY, *GUARDED)
    @blp.doc(parameters=[if_match(required=True)])
    def patch(self, data: dict[str, Any], code: str) -> Response:
        """Change a customer.

        Send only the fields that change; the code never changes. Name the version
        you read: If-Match with the ETag (stale: 412) or `version` in the body (stale:
        409); with neither the answer is 428. Needs `customers.write`.
        """
        with transaction():
            customer = service.get_customer(code)
            version = expected_version(customer, data.pop("version", None))
            customer = service.update_customer(code=code, data=data, expected_version=version)
        return _one(customer)

    @require("customers.write")
    @blp.response(204, description="Moved to the trash; no body.")
    @blp.answers(*SIGNED_IN, *GUARDED)
    @blp.doc(parameters=[if_match(required=True)])
    def delete(self, code: str) -> Response:
        """Delete a customer.

        Moves the customer to the trash; their orders stay as they are. If-Match is
        required (428 without, 412 when stale). Needs `customers.write`.
        """
        with transaction():
            customer = service.get_customer(code)
            service.delete_customer(code=code, expected_version=expected_version(customer, None))
        return Response(status=204)


@blp.route("/<code>/restore", parameters=[CODE])
class CustomerRestore(MethodView):
    """Bring a customer back from the trash."""

    @require("customers.restore")
    @blp.response(200, CustomerSchema, example=CUSTOMER_EXAMPLE, headers=ETAG_HEADER)
    @blp.answers(*SIGNED_IN, 404, 409)
    def post(self, code: str) -> Response:
        """Restore a deleted customer.

        Brings a customer back from the trash; one not in the trash answers 409.
        Needs `customers.restore` (manager, admin).
        """
        with transaction():
            customer = service.restore_customer(code=code)
        return _one(customer)
