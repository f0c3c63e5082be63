/**
 * Exercise "breed-claim" (notebook 02): name the breed.
 *
 * This is your own copy of the tutorial's Action; the tutorial's file stays as it is. Add a
 * second claim, "https://dogfy.com/breed", holding the breed of the dog in the picture. The
 * picture's URL has the shape https://images.dog.ceo/breeds/<breed>/<file>.
 * Then run the check cell. `reset_exercise("breed-claim")` puts this starter back.
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
