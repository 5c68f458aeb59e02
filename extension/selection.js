// Injected into the active tab with scripting.executeScript when the popup opens, only
// while activeTab is granted. Its last expression, the selected text (at most 10,000
// characters), is the result the popup receives. It reads nothing else from the page.
String(globalThis.getSelection?.() ?? "").slice(0, 10000);
