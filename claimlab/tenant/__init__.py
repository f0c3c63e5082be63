"""The local tenant: users, applications, keys and post-login bindings in a Python object."""

from claimlab.tenant.directory import Application, User
from claimlab.tenant.explain import Explanation, explain
from claimlab.tenant.local import LocalTenant
from claimlab.tenant.result import LoginResult

__all__ = ["Application", "Explanation", "LocalTenant", "LoginResult", "User", "explain"]
