// Copies the front-end libraries from node_modules into static/vendor.
// Nothing is loaded from a CDN and no third-party file is committed.
import { copyFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "static", "vendor");
mkdirSync(out, { recursive: true });

const files = [
  ["socket.io-client/dist/socket.io.min.js", "socket.io.min.js"],
  ["chart.js/dist/chart.umd.min.js", "chart.umd.min.js"],
  ["axe-core/axe.min.js", "axe.min.js"],
];
for (const [from, to] of files) {
  const src = join(root, "node_modules", from);
  if (!existsSync(src)) {
    console.error(`missing ${src}: run npm ci`);
    process.exit(1);
  }
  copyFileSync(src, join(out, to));
}
console.log(`copied ${files.length} files into static/vendor`);
