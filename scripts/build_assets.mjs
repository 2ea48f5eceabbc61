// Builds kollega's front end into static/vendor: copies the libraries the pages load as
// they are, and bundles the chat client (assets/chat/*.js, ES modules) with esbuild.
// Nothing is loaded from a CDN and no built or third-party file is committed.
import { copyFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "static", "vendor");
mkdirSync(out, { recursive: true });

const files = [
  ["socket.io-client/dist/socket.io.min.js", "socket.io.min.js"],
  ["chart.js/dist/chart.umd.min.js", "chart.umd.min.js"],
  ["axe-core/axe.min.js", "axe.min.js"],
  // The reaction picker's emoji data (assets/chat/picker.js: its dataSource), never a CDN.
  ["emoji-picker-element-data/nb/cldr/data.json", "emoji/nb.json"],
  ["emoji-picker-element-data/en/emojibase/data.json", "emoji/en.json"],
];
mkdirSync(join(out, "emoji"), { recursive: true });
for (const [from, to] of files) {
  const src = join(root, "node_modules", from);
  if (!existsSync(src)) {
    console.error(`missing ${src}: run npm ci`);
    process.exit(1);
  }
  copyFileSync(src, join(out, to));
}

// The chat client: one file for the browser, no inline script (the CSP forbids it).
await build({
  entryPoints: [join(root, "assets", "chat", "main.js")],
  outfile: join(out, "chat.js"),
  bundle: true,
  format: "iife",
  target: ["es2020"],
  minify: true,
  sourcemap: "linked",
  legalComments: "linked",
  logLevel: "warning",
});
console.log(`copied ${files.length} files and built chat.js into static/vendor`);
