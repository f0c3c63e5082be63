# Solution: remember the dog in app_metadata on an interactive login, reuse it on refresh.
my_action = """
exports.onExecutePostLogin = async (event, api) => {
  const CLAIM = "https://dogfy.com/random_dog";
  let dog = event.user.app_metadata.random_dog;

  if (event.authorization) {
    const axios = require("axios");
    const randomDog = await axios.get("https://dog.ceo/api/breeds/image/random");
    dog = randomDog.data.message;
    api.user.setAppMetadata("random_dog", dog);
  }
  if (dog) {
    api.idToken.setCustomClaim(CLAIM, dog);
  }
};
"""
check_exercise("dog-on-refresh", my_action)
