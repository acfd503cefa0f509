// Read a PDF back the way a reader's tools do, in JavaScript (pdf.js), so the report tests need no
// PDF tools installed on the machine: its text (lines as drawn, pages ending in a form feed, like
// pdftotext), whether it is tagged, which fonts it uses and whether they are embedded, and page 1
// rendered as a PNG for a person to look at.
import fs from 'node:fs';
import { getDocument, OPS, type PDFDocumentProxy, type PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';

interface TextItem {
  str: string;
  transform: number[];
  width: number;
}

async function open(file: string): Promise<PDFDocumentProxy> {
  // fontExtraProperties: keep each font's type and composite flag, which pdfFacts reports.
  return getDocument({ data: new Uint8Array(fs.readFileSync(file)), fontExtraProperties: true, verbosity: 0, isEvalSupported: false }).promise;
}

/** One page's text: items on one baseline form a line; a gap wider than a space becomes one. */
async function pageText(page: PDFPageProxy): Promise<string> {
  const content = await page.getTextContent();
  const lines: string[] = [];
  let line = '';
  let baseline: number | undefined;
  let end = 0;
  for (const item of content.items as TextItem[]) {
    if (!('str' in item) || item.str === '') continue;
    const [size, , , , x, y] = item.transform;
    if (baseline !== undefined && Math.abs(y - baseline) > Math.abs(size) / 3) {
      lines.push(line);
      line = '';
    } else if (line && x - end > Math.abs(size) * 0.15 && !/\s$/.test(line) && !/^\s/.test(item.str)) {
      line += ' ';
    }
    line += item.str;
    baseline = y;
    end = x + item.width;
  }
  if (line) lines.push(line);
  return lines.map((l) => l.trimEnd()).join('\n');
}

/** The document's text: pages in order, each ending in a form feed (split('\f') gives the pages). */
export async function pdfText(file: string): Promise<string> {
  const doc = await open(file);
  try {
    let text = '';
    for (let n = 1; n <= doc.numPages; n++) text += `${await pageText(await doc.getPage(n))}\n\f`;
    return text;
  } finally {
    await doc.destroy();
  }
}

export interface PdfFont {
  /** As in the file, with its subset prefix: `ABCDEF+DejaVuSans`. */
  name: string;
  /** The font program's type as pdf.js reads it (`CIDFontType2` for a CID TrueType font). */
  type: string;
  /** A composite (Type 0, CID) font, as pdfkit's Identity-H fonts are. */
  composite: boolean;
  embedded: boolean;
  subset: boolean;
}

export interface PdfFacts {
  pages: number;
  /** The catalogue's MarkInfo says Marked (what pdfinfo prints as `Tagged: yes`). */
  tagged: boolean;
  /** Pages that carry a structure tree (for screen readers). */
  pagesWithStructure: number;
  language: string | undefined;
  title: string | undefined;
  /** Every font any page draws with, once each. */
  fonts: PdfFont[];
}

async function pageFonts(page: PDFPageProxy): Promise<PdfFont[]> {
  const ops = await page.getOperatorList();
  const loaded = new Set<string>();
  ops.fnArray.forEach((fn, i) => {
    if (fn === OPS.setFont) loaded.add(String(ops.argsArray[i][0]));
  });
  return [...loaded].map((id) => {
    const font = page.commonObjs.get(id) as { name: string; type?: string; composite?: boolean; missingFile: boolean };
    return { name: font.name, type: font.type ?? '', composite: font.composite === true, embedded: !font.missingFile, subset: /^[A-Z]{6}\+/.test(font.name) };
  });
}

export async function pdfFacts(file: string): Promise<PdfFacts> {
  const doc = await open(file);
  try {
    const fonts = new Map<string, PdfFont>();
    let pagesWithStructure = 0;
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      if (await page.getStructTree()) pagesWithStructure++;
      for (const f of await pageFonts(page)) fonts.set(f.name, f);
    }
    const { info } = (await doc.getMetadata()) as { info: { Language?: string; Title?: string } };
    const mark = await doc.getMarkInfo();
    return { pages: doc.numPages, tagged: mark?.Marked === true, pagesWithStructure, language: info.Language, title: info.Title, fonts: [...fonts.values()] };
  } finally {
    await doc.destroy();
  }
}

/** Renders one page as a PNG (pdf.js draws on the canvas package it ships with for Node). */
export async function renderPdfPage(file: string, pageNumber: number, png: string, scale = 80 / 72): Promise<void> {
  const doc = await open(file);
  try {
    const page = await doc.getPage(pageNumber);
    const viewport = page.getViewport({ scale });
    const factory = (doc as unknown as { canvasFactory: { create(w: number, h: number): { canvas: { toBuffer(type: string): Buffer } } } }).canvasFactory;
    const { canvas } = factory.create(Math.ceil(viewport.width), Math.ceil(viewport.height));
    await page.render({ canvas: canvas as unknown as HTMLCanvasElement, viewport }).promise;
    fs.writeFileSync(png, canvas.toBuffer('image/png'));
  } finally {
    await doc.destroy();
  }
}
