# Solution: draw a dog at login and remember it in app_metadata; a refresh reuses it.
my_action = """
exports.onExecutePostLogin = async (event, api) => {
  const CLAIM = "https://dogfy.com/random_dog";
  // Auth0 runs this Action again when the app exchanges a refresh token.
  const refreshing = event.transaction?.protocol === "oauth2-refresh-token";
  let dog = event.user.app_metadata.random_dog;

  if (!refreshing || !dog) {
    const axios = require("axios");
    const randomDog = await axios.get("https://dog.ceo/api/breeds/image/random");
    dog = randomDog.data.message;
    api.user.setAppMetadata("random_dog", dog);
  }
  api.idToken.setCustomClaim(CLAIM, dog);
};
"""
check_exercise("dog-on-refresh", my_action)
