/**
 * Team claims, version 3: version 2 with the counterexample fixed. Auth0's types make
 * event.authorization optional, so an Action reads it with a fallback.
 *
 * Dependencies (the dashboard's Modules tab): axios@1.7.9
 */
exports.onExecutePostLogin = async (event, api) => {
  const axios = require("axios");

  const roles = (event.authorization && event.authorization.roles) || [];
  api.idToken.setCustomClaim("https://dogfy.com/roles", roles);
  api.idToken.setCustomClaim("https://dogfy.com/admin", roles.includes("admin"));
  if (event.organization) {
    api.idToken.setCustomClaim("https://dogfy.com/org", event.organization.name);
  }
  const metadata = event.user.app_metadata || {};
  api.idToken.setCustomClaim("https://dogfy.com/plan", metadata.plan || "free");
  api.idToken.setCustomClaim("https://dogfy.com/permissions", metadata.permissions || []);

  try {
    const answer = await axios.get("https://dog.ceo/api/breeds/image/random", { timeout: 2000 });
    api.idToken.setCustomClaim("https://dogfy.com/random_dog", answer.data.message);
  } catch (err) {
    console.log(`No dog this time: the Dog API failed (${err.message}).`);
  }
};
