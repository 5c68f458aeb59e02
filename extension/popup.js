// Boots the popup: loads the Wasm module, whose start function does the rest.
import init from "./pkg/jira_bridge_popup.js";

init().catch((error) => {
  const box = document.getElementById("error");
  box.textContent = `The popup failed to load its WebAssembly module: ${error.message ?? error}`;
  box.hidden = false;
  console.error("jira-bridge: loading the popup module failed", error);
});
