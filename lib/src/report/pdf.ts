/**
 * Prints an HTML page to PDF with headless Chromium (nbconvert's webpdf needs pyppeteer, which is absent).
 */
import { pathToFileURL } from "node:url";
import { CHROMIUM_FLAGS, findChromium } from "../display/static-image";

export async function printPdf(htmlPath: string, pdfPath: string): Promise<string> {
  const exe = findChromium();
  if (!exe) throw new Error("Printing the report to PDF needs Chromium: `apt-get install chromium`, or set SKIPLAB_CHROMIUM.");
  const { chromium } = require("playwright-core") as typeof import("playwright-core");
  const browser = await chromium.launch({ executablePath: exe, args: CHROMIUM_FLAGS, headless: true });
  try {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: "load" });
    await page.pdf({ path: pdfPath, format: "A4", printBackground: true, margin: { top: "12mm", bottom: "12mm", left: "10mm", right: "10mm" } });
  } finally {
    await browser.close();
  }
  return pdfPath;
}
