"""Customer endpoints of the JSON API."""

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
from presslog.core.security import require
from presslog.core.transaction import transaction
from presslog.customers import repository, service
from presslog.customers.schemas import (
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


def _one(customer: Any, status: int = 200) -> Response:
    response = jsonify(schema.dump(customer))
    response.status_code = status
    return with_etag(response, customer)


@blp.route("")
class Customers(MethodView):
    """The customer collection."""

    @require("customers.read")
    @blp.arguments(CustomerListArgs, location="query")
    @blp.response(200, CustomerPageSchema)
    @blp.answers(*SIGNED_IN)
    def get(self, args: dict[str, Any]) -> Response:
        """Search customers by code, name, city, e-mail or phone."""
        page_args = PageRequest.parse(args.pop("page"), args.pop("per_page"))
        sort = args.pop("sort", None)
        if args.get("deleted") and not current_user.can("customers.restore"):
            args["deleted"] = False
        page = service.list_customers(repository.CustomerFilters(**args), sort=sort, page=page_args)
        return page_response(page, CustomerListSchema(), "customers_api.Customers")

    @require("customers.write")
    @blp.arguments(CustomerCreateSchema)
    @blp.response(201, CustomerSchema)
    @blp.answers(*SIGNED_IN, *BODY, 409)
    def post(self, data: dict[str, Any]) -> Response:
        """Create a customer."""
        with transaction():
            customer = service.create_customer(data=data)
        response = _one(customer, 201)
        response.headers["Location"] = url_for("customers_api.CustomerItem", code=customer.code)
        return response


@blp.route("/<code>")
class CustomerItem(MethodView):
    """One customer."""

    @require("customers.read")
    @blp.response(200, CustomerSchema)
    @blp.answers(*SIGNED_IN, 404)
    def get(self, code: str) -> Response:
        """Read a customer; the ETag guards later writes."""
        return _one(service.get_customer(code))

    @require("customers.write")
    @blp.arguments(CustomerUpdateSchema)
    @blp.response(200, CustomerSchema)
    @blp.answers(*SIGNED_IN, *BODY, *GUARDED)
    def patch(self, data: dict[str, Any], code: str) -> Response:
        """Change a customer. Needs If-Match or `version`."""
        with transaction():
            customer = service.get_customer(code)
            version = expected_version(customer, data.pop("version", None))
            customer = service.update_customer(code=code, data=data, expected_version=version)
        return _one(customer)

    @require("customers.write")
    @blp.response(204)
    @blp.answers(*SIGNED_IN, *GUARDED)
    def delete(self, code: str) -> Response:
        """Move a customer to the trash. Needs If-Match."""
        with transaction():
            customer = service.get_customer(code)
            service.delete_customer(code=code, expected_version=expected_version(customer, None))
        return Response(status=204)


@blp.route("/<code>/restore")
class CustomerRestore(MethodView):
    """Bring a customer back from the trash."""

    @require("customers.restore")
    @blp.response(200, CustomerSchema)
    @blp.answers(*SIGNED_IN, 404, 409)
    def post(self, code: str) -> Response:
        """Restore a deleted customer."""
        with transaction():
            customer = service.restore_customer(code=code)
        return _one(customer)
