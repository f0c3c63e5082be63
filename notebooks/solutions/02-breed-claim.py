# Solution: a second claim with the breed, read from the image URL's path.
my_action = """
exports.onExecutePostLogin = async (event, api) => {
  const axios = require("axios");
  const randomDog = await axios.get("https://dog.ceo/api/breeds/image/random");
  const url = randomDog.data.message;

  if (event.authorization) {
    api.idToken.setCustomClaim("https://dogfy.com/random_dog", url);
    // https://images.dog.ceo/breeds/<breed>/<file>
    const breed = new URL(url).pathname.split("/")[2];
    api.idToken.setCustomClaim("https://dogfy.com/breed", breed);
  }
};
"""
check_exercise("breed-claim", my_action)
