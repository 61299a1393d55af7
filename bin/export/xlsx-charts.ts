/**
 * Native charts in an xlsx workbook written by exceljs. exceljs writes pictures but not charts, and no
 * well-kept JavaScript library writes xlsx charts (SheetJS CE drops them, xlsx-chart is unmaintained),
 * so the workbook is written by exceljs and its zip then gets the DrawingML parts Excel itself writes
 * for a chart: xl/charts/chartN.xml, xl/drawings/drawingN.xml with its rels, the [Content_Types].xml
 * overrides and the sheet's <drawing r:id>. Every series references the sheet's cells (the chart stays
 * live: change a number and the line moves) and carries a cache of the values, which Excel shows
 * until it recalculates and which a viewer without a calculation engine shows for good.
 *
 * The API is two chart kinds over cell ranges, placed over a block of cells of a named sheet:
 *   addCharts(await workbook.xlsx.writeBuffer(), [lineChart({...}), pieChart({...})])
 */
import JSZip from 'jszip';

/** A block of cells the chart covers, 0-based like DrawingML's anchors: columns and rows of its top-left and bottom-right corner. */
export interface Anchor { fromCol: number; fromRow: number; toCol: number; toRow: number }

/** A range of one sheet's cells: 1-based column and rows, one column tall (a series or its labels). */
export interface ColumnRange { sheet: string; column: number; firstRow: number; lastRow: number }

export interface Series {
  /** The series' name: its header cell, and the text shown until the cell is read. */
  name: { sheet: string; column: number; row: number; text: string };
  values: ColumnRange;
  /** The values as written (the cache); null is a gap, never a 0. */
  cache: Array<number | null>;
  /** RRGGBB. */
  colour?: string;
}

interface ChartBase { sheet: string; anchor: Anchor; title: string; categories: ColumnRange; labels: string[] }
export interface LineChart extends ChartBase { kind: 'line'; series: Series[]; yTitle?: string; yMin?: number; yMax?: number; labelEvery?: number }
export interface PieChart extends ChartBase { kind: 'pie'; series: Series; colours?: string[] }
export type Chart = LineChart | PieChart;

export const lineChart = (spec: Omit<LineChart, 'kind'>): LineChart => ({ kind: 'line', ...spec });
export const pieChart = (spec: Omit<PieChart, 'kind'>): PieChart => ({ kind: 'pie', ...spec });

const NS = {
  c: 'http://schemas.openxmlformats.org/drawingml/2006/chart',
  a: 'http://schemas.openxmlformats.org/drawingml/2006/main',
  r: 'http://schemas.openxmlformats.org/officeDocument/2006/relationships',
  xdr: 'http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing',
  rels: 'http://schemas.openxmlformats.org/package/2006/relationships',
};
const TYPE = {
  chart: 'application/vnd.openxmlformats-officedocument.drawingml.chart+xml',
  drawing: 'application/vnd.openxmlformats-officedocument.drawing+xml',
  chartRel: 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart',
  drawingRel: 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing',
};

export function escapeXml(text: string): string {
  return text.replace(/&/gu, '&amp;').replace(/</gu, '&lt;').replace(/>/gu, '&gt;').replace(/"/gu, '&quot;');
}

function columnLetter(column: number): string {
  let n = column;
  let letters = '';
  while (n > 0) {
    const rest = (n - 1) % 26;
    letters = String.fromCharCode(65 + rest) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}

/** 'Trend charts'!$B$5:$B$94: the quoted sheet name (a quote in it doubled), absolute cells. */
export function rangeRef(range: ColumnRange): string {
  const col = columnLetter(range.column);
  return `'${range.sheet.replace(/'/gu, "''")}'!$${col}$${range.firstRow}:$${col}$${range.lastRow}`;
}

function cellRef(sheet: string, column: number, row: number): string {
  return `'${sheet.replace(/'/gu, "''")}'!$${columnLetter(column)}$${row}`;
}

function strRef(ref: string, texts: string[]): string {
  const points = texts.map((t, i) => `<c:pt idx="${i}"><c:v>${escapeXml(t)}</c:v></c:pt>`).join('');
  return `<c:strRef><c:f>${escapeXml(ref)}</c:f><c:strCache><c:ptCount val="${texts.length}"/>${points}</c:strCache></c:strRef>`;
}

function numRef(ref: string, values: Array<number | null>): string {
  // A null is left out of the cache: a gap in the line, as the empty cell is.
  const points = values.map((v, i) => (v === null ? '' : `<c:pt idx="${i}"><c:v>${v}</c:v></c:pt>`)).join('');
  return `<c:numRef><c:f>${escapeXml(ref)}</c:f><c:numCache><c:formatCode>General</c:formatCode><c:ptCount val="${values.length}"/>${points}</c:numCache></c:numRef>`;
}

function title(text: string, size = 1200): string {
  return `<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="${size}" b="1"/></a:pPr><a:r><a:rPr lang="en-GB" sz="${size}" b="1"/><a:t>${escapeXml(text)}</a:t></a:r></a:p></c:rich></c:tx><c:overlay val="0"/></c:title>`;
}

const solid = (colour: string): string => `<a:solidFill><a:srgbClr val="${colour}"/></a:solidFill>`;
const PALETTE = ['C0392B', 'E67E22', '2E86C1', '27AE60', '8E44AD', '7F8C8D'];

function seriesName(s: Series): string {
  return `<c:tx>${strRef(cellRef(s.name.sheet, s.name.column, s.name.row), [s.name.text])}</c:tx>`;
}

function lineXml(chart: LineChart): string {
  const series = chart.series.map((s, i) => `<c:ser><c:idx val="${i}"/><c:order val="${i}"/>${seriesName(s)}`
    + `<c:spPr><a:ln w="28575" cap="rnd"><a:solidFill><a:srgbClr val="${s.colour ?? PALETTE[i % PALETTE.length]}"/></a:solidFill><a:round/></a:ln></c:spPr>`
    + `<c:marker><c:symbol val="none"/></c:marker>`
    + `<c:cat>${strRef(rangeRef(chart.categories), chart.labels)}</c:cat><c:val>${numRef(rangeRef(s.values), s.cache)}</c:val><c:smooth val="0"/></c:ser>`).join('');
  const skip = chart.labelEvery ?? Math.max(1, Math.ceil(chart.labels.length / 12));
  const scaling = `<c:scaling><c:orientation val="minMax"/>${chart.yMax === undefined ? '' : `<c:max val="${chart.yMax}"/>`}${chart.yMin === undefined ? '' : `<c:min val="${chart.yMin}"/>`}</c:scaling>`;
  const yTitle = chart.yTitle ? title(chart.yTitle, 900) : '';
  return `<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>${series}<c:marker val="1"/><c:axId val="500000001"/><c:axId val="500000002"/></c:lineChart>`
    + `<c:catAx><c:axId val="500000001"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="1"/>`
    + `<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="low"/><c:txPr><a:bodyPr rot="-2700000"/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="800"/></a:pPr><a:endParaRPr lang="en-GB"/></a:p></c:txPr>`
    + `<c:crossAx val="500000002"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:tickLblSkip val="${skip}"/><c:tickMarkSkip val="${skip}"/><c:noMultiLvlLbl val="0"/></c:catAx>`
    + `<c:valAx><c:axId val="500000002"/>${scaling}<c:delete val="0"/><c:axPos val="l"/><c:majorGridlines><c:spPr><a:ln w="6350"><a:solidFill><a:srgbClr val="D9D9D9"/></a:solidFill></a:ln></c:spPr></c:majorGridlines>${yTitle}`
    + `<c:numFmt formatCode="General" sourceLinked="0"/><c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="500000001"/><c:crosses val="autoZero"/><c:crossBetween val="between"/></c:valAx>`;
}

function pieXml(chart: PieChart): string {
  const colours = chart.colours ?? PALETTE;
  const points = chart.labels.map((_, i) => `<c:dPt><c:idx val="${i}"/><c:bubble3D val="0"/><c:spPr>${solid(colours[i % colours.length] as string)}</c:spPr></c:dPt>`).join('');
  const labels = '<c:dLbls><c:numFmt formatCode="0%" sourceLinked="0"/><c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr><c:dLblPos val="bestFit"/><c:showLegendKey val="0"/><c:showVal val="0"/><c:showCatName val="0"/>'
    + '<c:showSerName val="0"/><c:showPercent val="1"/><c:showBubbleSize val="0"/><c:showLeaderLines val="1"/></c:dLbls>';
  const s = chart.series;
  return `<c:pieChart><c:varyColors val="1"/><c:ser><c:idx val="0"/><c:order val="0"/>${seriesName(s)}${points}${labels}`
    + `<c:cat>${strRef(rangeRef(chart.categories), chart.labels)}</c:cat><c:val>${numRef(rangeRef(s.values), s.cache)}</c:val></c:ser><c:firstSliceAng val="0"/></c:pieChart>`;
}

export function chartXml(chart: Chart): string {
  const plot = chart.kind === 'line' ? lineXml(chart) : pieXml(chart);
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<c:chartSpace xmlns:c="${NS.c}" xmlns:a="${NS.a}" xmlns:r="${NS.r}">`
    + '<c:roundedCorners val="0"/>'
    + `<c:chart>${title(chart.title)}<c:autoTitleDeleted val="0"/><c:plotArea><c:layout/>${plot}</c:plotArea>`
    + `<c:legend><c:legendPos val="${chart.kind === 'pie' ? 'r' : 'b'}"/><c:overlay val="0"/></c:legend><c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>`
    + `<c:spPr>${solid('FFFFFF')}<a:ln w="6350"><a:solidFill><a:srgbClr val="BFBFBF"/></a:solidFill></a:ln></c:spPr></c:chartSpace>`;
}

function drawingXml(charts: Array<{ chart: Chart; relId: string; id: number }>): string {
  const anchors = charts.map(({ chart, relId, id }) => {
    const { fromCol, fromRow, toCol, toRow } = chart.anchor;
    return `<xdr:twoCellAnchor editAs="oneCell"><xdr:from><xdr:col>${fromCol}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>${fromRow}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>`
      + `<xdr:to><xdr:col>${toCol}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>${toRow}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>`
      + `<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="${id + 1}" name="Chart ${id}" descr="${escapeXml(chart.title)}"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>`
      + '<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
      + `<a:graphic><a:graphicData uri="${NS.c}"><c:chart xmlns:c="${NS.c}" r:id="${relId}"/></a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor>`;
  }).join('');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<xdr:wsDr xmlns:xdr="${NS.xdr}" xmlns:a="${NS.a}" xmlns:r="${NS.r}">${anchors}</xdr:wsDr>`;
}

function relsXml(rels: Array<{ id: string; type: string; target: string }>): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="${NS.rels}">${rels.map((r) => `<Relationship Id="${r.id}" Type="${r.type}" Target="${r.target}"/>`).join('')}</Relationships>`;
}

async function text(zip: JSZip, name: string): Promise<string> {
  const file = zip.file(name);
  if (!file) throw new Error(`xlsx-charts: the workbook has no ${name}`);
  return file.async('string');
}

/** The sheet's part (xl/worksheets/sheetN.xml) by its name, through workbook.xml and its rels. */
async function sheetPart(zip: JSZip, name: string): Promise<string> {
  const workbook = await text(zip, 'xl/workbook.xml');
  const sheet = [...workbook.matchAll(/<sheet\b[^>]*>/gu)].map((m) => m[0])
    .find((tag) => /\bname="([^"]*)"/u.exec(tag)?.[1] === escapeXml(name));
  const relId = sheet ? /\br:id="([^"]*)"/u.exec(sheet)?.[1] : undefined;
  if (!relId) throw new Error(`xlsx-charts: no sheet named ${name}`);
  const rels = await text(zip, 'xl/_rels/workbook.xml.rels');
  const target = [...rels.matchAll(/<Relationship\b[^>]*>/gu)].map((m) => m[0]).find((tag) => tag.includes(`Id="${relId}"`));
  const path = target ? /\bTarget="([^"]*)"/u.exec(target)?.[1] : undefined;
  if (!path) throw new Error(`xlsx-charts: sheet ${name} has no part`);
  return path.startsWith('/') ? path.slice(1) : `xl/${path}`;
}

/** Where <drawing> goes in a worksheet: before these elements (CT_Worksheet's order), else at the end. */
const AFTER_DRAWING = ['legacyDrawing', 'legacyDrawingHF', 'drawingHF', 'picture', 'oleObjects', 'controls', 'webPublishItems', 'tableParts', 'extLst'];

function withDrawing(sheetXml: string, relId: string): string {
  if (/<drawing\b/u.test(sheetXml)) throw new Error('xlsx-charts: the sheet already has a drawing (pictures); put the charts on another sheet');
  const tag = `<drawing r:id="${relId}"/>`;
  let xml = sheetXml;
  if (!/<worksheet\b[^>]*\bxmlns:r=/u.test(xml)) xml = xml.replace(/<worksheet\b/u, `<worksheet xmlns:r="${NS.r}"`);
  for (const next of AFTER_DRAWING) {
    const at = xml.search(new RegExp(`<${next}\\b`, 'u'));
    if (at >= 0) return `${xml.slice(0, at)}${tag}${xml.slice(at)}`;
  }
  return xml.replace(/<\/worksheet>\s*$/u, `${tag}</worksheet>`);
}

/** Add the charts to the workbook's zip; returns the new file. One drawing per sheet holds its charts. */
export async function addCharts(xlsx: Buffer | ArrayBuffer | Uint8Array, charts: Chart[]): Promise<Buffer> {
  const zip = await JSZip.loadAsync(xlsx);
  let types = await text(zip, '[Content_Types].xml');
  const bySheet = new Map<string, Chart[]>();
  for (const chart of charts) bySheet.set(chart.sheet, [...(bySheet.get(chart.sheet) ?? []), chart]);
  let chartNumber = Object.keys(zip.files).filter((n) => /^xl\/charts\/chart\d+\.xml$/u.test(n)).length;
  let drawingNumber = Object.keys(zip.files).filter((n) => /^xl\/drawings\/drawing\d+\.xml$/u.test(n)).length;
  const overrides: string[] = [];
  for (const [sheet, onSheet] of bySheet) {
    drawingNumber += 1;
    const placed = onSheet.map((chart, i) => {
      chartNumber += 1;
      zip.file(`xl/charts/chart${chartNumber}.xml`, chartXml(chart));
      overrides.push(`<Override PartName="/xl/charts/chart${chartNumber}.xml" ContentType="${TYPE.chart}"/>`);
      return { chart, relId: `rId${i + 1}`, id: i + 1, target: `../charts/chart${chartNumber}.xml` };
    });
    zip.file(`xl/drawings/drawing${drawingNumber}.xml`, drawingXml(placed));
    zip.file(`xl/drawings/_rels/drawing${drawingNumber}.xml.rels`, relsXml(placed.map((p) => ({ id: p.relId, type: TYPE.chartRel, target: p.target }))));
    overrides.push(`<Override PartName="/xl/drawings/drawing${drawingNumber}.xml" ContentType="${TYPE.drawing}"/>`);

    const part = await sheetPart(zip, sheet);
    const relsName = part.replace(/([^/]+)$/u, '_rels/$1.rels');
    const existing = zip.file(relsName) ? await text(zip, relsName) : relsXml([]);
    const taken = new Set([...existing.matchAll(/\bId="([^"]*)"/gu)].map((m) => m[1]));
    let n = taken.size + 1;
    while (taken.has(`rId${n}`)) n += 1;
    const relId = `rId${n}`;
    const relation = `<Relationship Id="${relId}" Type="${TYPE.drawingRel}" Target="../drawings/drawing${drawingNumber}.xml"/>`;
    zip.file(relsName, existing.includes('</Relationships>') ? existing.replace('</Relationships>', `${relation}</Relationships>`) : existing.replace(/<Relationships([^>]*)\/>/u, `<Relationships$1>${relation}</Relationships>`));
    zip.file(part, withDrawing(await text(zip, part), relId));
  }
  types = types.replace('</Types>', `${overrides.join('')}</Types>`);
  zip.file('[Content_Types].xml', types);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}
