// Sends the MCP server's requests for https://api.cal.com to CALGATE_TARGET, as a hosts-file
// entry would: its code runs unchanged; the one axios instance it uses gets a URL rewrite.
import axios from "axios";
const target = process.env.CALGATE_TARGET;
axios.interceptors.request.use((config) => {
  config.url = config.url.replace(/^https:\/\/api\.cal\.com/, target);
  return config;
});
