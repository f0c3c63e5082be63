/**
 * Team claims, version 1: the user's roles, Organization and plan in the ID token, and a dog
 * from the Dog API as enrichment.
 *
 * Dependencies (the dashboard's Modules tab): axios@1.7.9
 */
exports.onExecutePostLogin = async (event, api) => {
  const axios = require("axios");

  if (event.authorization) {
    api.idToken.setCustomClaim("https://dogfy.com/roles", event.authorization.roles);
  }
  if (event.organization) {
    api.idToken.setCustomClaim("https://dogfy.com/org", event.organization.name);
  }
  const plan = (event.user.app_metadata || {}).plan || "free";
  api.idToken.setCustomClaim("https://dogfy.com/plan", plan);

  // Enrichment is a bonus: when the Dog API is down or slow, the login goes on without it.
  try {
    const answer = await axios.get("https://dog.ceo/api/breeds/image/random", { timeout: 2000 });
    api.idToken.setCustomClaim("https://dogfy.com/random_dog", answer.data.message);
  } catch (err) {
    console.log(`No dog this time: the Dog API failed (${err.message}).`);
  }
};
