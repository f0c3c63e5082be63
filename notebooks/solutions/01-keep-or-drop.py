# Solution: which claims survive a login with scope "openid profile"?
answer = {
    "roles": False,  # one of Auth0's 60 restricted names
    "https://dogfy.com/roles": True,  # namespaced on a domain you control
    "favorite_color": True,  # private (non-namespaced) claims are allowed since July 2022
    "https://dogfy.auth0.com/plan": False,  # auth0.com namespaces are Auth0's own
    "email": False,  # a profile claim: needs the "email" scope, which was not requested
}
check_exercise("keep-or-drop", answer)
