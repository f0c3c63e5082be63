/**
 * Assign random dog: a post-login Action that puts a random dog picture in the ID token.
 *
 * Dependencies (the dashboard's Modules tab): axios@1.7.9
 */
exports.onExecutePostLogin = async (event, api) => {
  const axios = require("axios");

  const randomDog = await axios.get("https://dog.ceo/api/breeds/image/random");

  if (event.authorization) {
    api.idToken.setCustomClaim("https://dogfy.com/random_dog", randomDog.data.message);
  }
};
