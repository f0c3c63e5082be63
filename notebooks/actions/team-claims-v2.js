/**
 * Team claims, version 2: version 1, plus an admin flag and the user's permissions from
 * app_metadata, so the app need not ask an API for them.
 *
 * Dependencies (the dashboard's Modules tab): axios@1.7.9
 */
exports.onExecutePostLogin = async (event, api) => {
  const axios = require("axios");

  const isAdmin = event.authorization.roles.includes("admin");
  api.idToken.setCustomClaim("https://dogfy.com/roles", event.authorization.roles);
  api.idToken.setCustomClaim("https://dogfy.com/admin", isAdmin);
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
