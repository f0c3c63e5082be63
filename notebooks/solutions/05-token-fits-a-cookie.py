# Solution: permissions stay out of the ID token (the app asks an API for them); the token
# says how many there are, which costs a few bytes whatever the user has.
version_3 = Path("actions/team-claims-v3.js").read_text()
my_action = version_3.replace(
    'setCustomClaim("https://dogfy.com/permissions", metadata.permissions || []);',
    'setCustomClaim("https://dogfy.com/permission_count", (metadata.permissions || []).length);',
)
check_exercise("token-fits-a-cookie", my_action)
