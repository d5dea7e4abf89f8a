"""Schemathesis hooks for scripts/proof/fuzz (loaded through SCHEMATHESIS_HOOKS).

Schemathesis reuses ids it saw in responses, so it finds the fuzzing superuser's own id in
GET /api/v1/users/me and then PATCHes /api/v1/users/{that id} with a new password. Parley rightly
revokes the fuzzer's token at that moment, and every later case is a 401 that tests nothing. The
fuzzer's own account is therefore left alone: such a call goes to a random id (a 404) instead.
"""
import os
import uuid

import schemathesis

OWN_ID = os.environ["PROOF_FUZZ_OWN_ID"]


@schemathesis.hook
def before_call(context, case, kwargs):
    if (case.path_parameters or {}).get("user_id") == OWN_ID:
        case.path_parameters["user_id"] = str(uuid.uuid4())
