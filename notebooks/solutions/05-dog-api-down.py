# Solution: the dog is enrichment; a failed request is caught and the login goes on.
my_action = """
exports.onExecutePostLogin = async (event, api) => {
  const axios = require("axios");
  const roles = (event.authorization && event.authorization.roles) || [];
  api.idToken.setCustomClaim("https://dogfy.com/roles", roles);

  try {
    const answer = await axios.get("https://dog.ceo/api/breeds/image/random", { timeout: 2000 });
    api.idToken.setCustomClaim("https://dogfy.com/random_dog", answer.data.message);
  } catch (err) {
    console.log(`No dog this time: ${err.message}`);
  }
};
"""
check_exercise("dog-api-down", my_action)
