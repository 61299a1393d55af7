/**
 * What the billing and the compliance workbooks share about the printed page: the paper they print
 * on, and the header, title and note rows both lay out the same way.
 */
import type ExcelJS from 'exceljs';
import { UsageError } from '../../warehouse/errors.js';

/** Landscape on A4 (the default) or US Letter: the two papers an MSP's clients print invoices and audits on. */
export const PAPERS = ['a4', 'letter'] as const;
export type Paper = (typeof PAPERS)[number];
/** The spreadsheet's paper-size codes (ECMA-376 §18.18.42): 1 is Letter, 9 is A4. */
const PAPER_SIZE: Record<Paper, number> = { letter: 1, a4: 9 };

export function parsePaper(value: string | undefined): Paper {
  if (value === undefined) return 'a4';
  const paper = value.toLowerCase();
  if ((PAPERS as readonly string[]).includes(paper)) return paper as Paper;
  throw new UsageError(`--paper ${value} is not a4 or letter`, 'Use --paper a4 (the default) or --paper letter.');
}

/** Every sheet of the workbook prints on `paper` (each sheet already fits one page wide, landscape). */
export function printOn(workbook: ExcelJS.Workbook, paper: Paper): void {
  workbook.eachSheet((sheet) => { sheet.pageSetup = { ...sheet.pageSetup, paperSize: PAPER_SIZE[paper] }; });
}

export const WRAP: Partial<ExcelJS.Alignment> = { wrapText: true, vertical: 'top' };
const HEAD_FILL = 'FFE8EEF4';
const NOTE_FONT: Partial<ExcelJS.Font> = { italic: true, color: { argb: 'FF555555' } };

/** A table's header row: bold, shaded, wrapped; numeric columns' headers sit right, over their numbers. */
export function header(sheet: ExcelJS.Worksheet, values: string[], numeric: number[] = [], centred: number[] = []): ExcelJS.Row {
  const row = sheet.addRow(values);
  row.font = { bold: true };
  row.eachCell((cell, column) => {
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: HEAD_FILL } };
    cell.border = { bottom: { style: 'thin' } };
    // Over a wide column, a left-aligned header sits far from its right-aligned number.
    const horizontal = numeric.includes(column) ? 'right' : centred.includes(column) ? 'center' : 'left';
    cell.alignment = { wrapText: true, vertical: 'bottom', horizontal };
  });
  return row;
}

/**
 * A line of text across `columns` columns: merged and wrapped, with its height set, because neither
 * Excel nor LibreOffice sizes a merged row to its text (and unmerged, it would run off the printed
 * page). `charsPerUnit` is how many characters of the note's font fit in a unit of column width.
 */
export function note(sheet: ExcelJS.Worksheet, text: string, columns: number, charsPerUnit: number, font: Partial<ExcelJS.Font> = NOTE_FONT): ExcelJS.Row {
  const row = sheet.addRow([text]);
  sheet.mergeCells(row.number, 1, row.number, columns);
  row.getCell(1).alignment = WRAP;
  row.font = font;
  let width = 0;
  for (let c = 1; c <= columns; c += 1) width += sheet.getColumn(c).width ?? 10;
  // 13 points a line, and a little room below the last.
  row.height = Math.max(1, Math.ceil(text.length / (width * charsPerUnit))) * 13 + 3;
  return row;
}

/** A sheet's title, its notes and a blank row before the table. */
export function title(sheet: ExcelJS.Worksheet, text: string, notes: string[], columns: number, charsPerUnit: number): void {
  sheet.addRow([text]).font = { bold: true, size: 14 };
  for (const line of notes) note(sheet, line, columns, charsPerUnit);
  sheet.addRow([]);
}
