# Solution: permissions stay out of the ID token (the app asks an API for them); the token
# says how many there are, which costs a few bytes whatever the user has.
my_action = Path("actions/team-claims-v3.js").read_text().replace(
    'api.idToken.setCustomClaim("https://dogfy.com/permissions", metadata.permissions || []);',
    'api.idToken.setCustomClaim("https://dogfy.com/permission_count", '
    "(metadata.permissions || []).length);",
)
check_exercise("token-fits-a-cookie", my_action)
