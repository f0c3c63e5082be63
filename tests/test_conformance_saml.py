"""Conformance: ``api.samlResponse``.

Sources: auth0/auth0-actions src/post-login/v3/test/index.js (`SAMLResponseAPIImpl`: every
setter returns `api`; `setAttribute` normalises `undefined` to `null` and checks the total
size against `MAX_SAML_BYTES = 102400`), src/_shared/DvTaCl9e.js (the
`PostLoginSetSAMLConfigurationInput` schema: types, enums and maximum lengths per key).
"""

from __future__ import annotations

import pytest
from conformance import SAML_CONFIG_SETTERS, calls, covers, ok, thrown

GOOD = {
    "setAudience": "'urn:dogs'",
    "setRecipient": "'https://sp.example/acs'",
    "setCreateUpnClaim": "false",
    "setPassthroughClaimsWithNoMapping": "true",
    "setMapUnknownClaimsAsIs": "true",
    "setMapIdentities": "false",
    "setSignatureAlgorithm": "'rsa-sha256'",
    "setDigestAlgorithm": "'sha256'",
    "setDestination": "'https://sp.example/acs'",
    "setLifetimeInSeconds": "3600",
    "setSignResponse": "true",
    "setNameIdentifierFormat": "'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'",
    "setNameIdentifierProbes": "['email']",
    "setAuthnContextClassRef": "'urn:oasis:names:tc:SAML:2.0:ac:classes:Password'",
    "setSigningCert": "'-----BEGIN CERTIFICATE-----'",
    "setIncludeAttributeNameFormat": "true",
    "setTypedAttributes": "true",
    "setEncryptionCert": "'-----BEGIN CERTIFICATE-----'",
    "setEncryptionPublicKey": "'-----BEGIN PUBLIC KEY-----'",
    "setCert": "'-----BEGIN CERTIFICATE-----'",
    "setKey": "'-----BEGIN PRIVATE KEY-----'",
    "setRelayState": "'state'",
    "setIssuer": "'urn:dogfy'",
    "setEncryptionAlgorithm": "'aes256-gcm'",
}

BAD = {
    "setAudience": ("5", "audience must be string"),
    "setRecipient": ("'r'.repeat(2049)", "recipient must NOT have more than 2048 characters"),
    "setCreateUpnClaim": ("'yes'", "createUpnClaim must be boolean"),
    "setPassthroughClaimsWithNoMapping": ("1", "passthroughClaimsWithNoMapping must be boolean"),
    "setMapUnknownClaimsAsIs": ("null", "mapUnknownClaimsAsIs must be boolean"),
    "setMapIdentities": ("'true'", "mapIdentities must be boolean"),
    "setSignatureAlgorithm": (
        "'rsa-md5'",
        "signatureAlgorithm must be equal to one of the allowed values",
    ),
    "setDigestAlgorithm": ("'md5'", "digestAlgorithm must be equal to one of the allowed values"),
    "setDestination": ("{}", "destination must be string"),
    "setLifetimeInSeconds": ("'60'", "lifetimeInSeconds must be number"),
    "setSignResponse": ("0", "signResponse must be boolean"),
    "setNameIdentifierFormat": (
        "'f'.repeat(513)",
        "nameIdentifierFormat must NOT have more than 512 characters",
    ),
    "setNameIdentifierProbes": (
        "Array(11).fill('a')",
        "nameIdentifierProbes must NOT have more than 10 items",
    ),
    "setAuthnContextClassRef": ("7", "authnContextClassRef must be string"),
    "setSigningCert": ("'c'.repeat(4097)", "signingCert must NOT have more than 4096 characters"),
    "setIncludeAttributeNameFormat": ("'no'", "includeAttributeNameFormat must be boolean"),
    "setTypedAttributes": ("[]", "typedAttributes must be boolean"),
    "setEncryptionCert": ("1", "encryptionCert must be string"),
    "setEncryptionPublicKey": ("1", "encryptionPublicKey must be string"),
    "setCert": ("1", "cert must be string"),
    "setKey": ("'k'.repeat(4097)", "key must NOT have more than 4096 characters"),
    "setRelayState": ("1", "RelayState must be string"),
    "setIssuer": ("'i'.repeat(513)", "issuer must NOT have more than 512 characters"),
    "setEncryptionAlgorithm": (
        "'des'",
        "encryptionAlgorithm must be equal to one of the allowed values",
    ),
}


@covers(*(f"samlResponse.{name}" for name in SAML_CONFIG_SETTERS))
@pytest.mark.parametrize("setter", SAML_CONFIG_SETTERS)
def test_config_setters_return_api_and_are_recorded(setter: str) -> None:
    result = ok(
        f"  const same = api.samlResponse.{setter}({GOOD[setter]}) === api;\n"
        "  api.idToken.setCustomClaim('same', same);"
    )
    assert calls(result)[0][0] == f"samlResponse.{setter}"
    assert result.id_token_claims == {"same": True}


@covers(*(f"samlResponse.{name}" for name in SAML_CONFIG_SETTERS))
@pytest.mark.parametrize("setter", SAML_CONFIG_SETTERS)
def test_config_setters_check_the_schema(setter: str) -> None:
    value, message = BAD[setter]
    assert thrown(f"  api.samlResponse.{setter}({value});") == f"Error: {message}"


@covers("samlResponse.setNameIdentifierFormat")
def test_name_identifier_format_defaults_to_unspecified() -> None:
    result = ok("  api.samlResponse.setNameIdentifierFormat();")
    assert calls(result) == [
        (
            "samlResponse.setNameIdentifierFormat",
            ["urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"],
        )
    ]


@covers("samlResponse.setAttribute")
def test_set_attribute_returns_api_and_normalises_undefined_to_null() -> None:
    result = ok(
        "  const ret = api.samlResponse.setAttribute('http://schemas.example/dog', 'rex');\n"
        "  const same = ret === api;\n"
        "  api.samlResponse.setAttribute('http://schemas.example/cat');\n"
        "  api.idToken.setCustomClaim('same', same);"
    )
    assert calls(result)[:2] == [
        ("samlResponse.setAttribute", ["http://schemas.example/dog", "rex"]),
        ("samlResponse.setAttribute", ["http://schemas.example/cat", None]),
    ]
    assert result.id_token_claims == {"same": True}


@covers("samlResponse.setAttribute")
def test_set_attribute_total_size_is_the_librarys_100_kib() -> None:
    assert (
        thrown(
            "  for (let i = 0; i < 60; i++)\n"
            "    api.samlResponse.setAttribute('a' + i, 'v'.repeat(2000));"
        )
        == "Error: The total size of the SAML attributes exceeds the limit of 102400 bytes."
    )


@covers("samlResponse.setAttribute")
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{}", "value must be string,number,boolean,null,array"),
        ("'v'.repeat(2049)", "value must NOT have more than 2048 characters"),
        ("['a', {}]", "1 must be string,number,boolean"),
        ("['a', 'v'.repeat(2049)]", "1 must NOT have more than 2048 characters"),
    ],
)
def test_set_attribute_checks_the_value_schema(value: str, message: str) -> None:
    # DvTaCl9e.js: the attribute value schema, reported as `helpers.validate` formats it.
    assert thrown(f"  api.samlResponse.setAttribute('a', {value});") == f"Error: {message}"
