/**
 * Excel holds at most 32,767 characters in a cell; a longer one makes Excel call the file corrupt
 * (exceljs writes it without complaint). A vendor can name a device or client far longer, so such a
 * cell is cut, visibly, and says where the whole value is: the CSV export never cuts.
 */
import type ExcelJS from 'exceljs';

export const EXCEL_CELL_LIMIT = 32_767;

export function excelText(value: string): string {
  if (value.length <= EXCEL_CELL_LIMIT) return value;
  const marker = `… [cut: ${value.length} characters, the CSV export has them all]`;
  let end = EXCEL_CELL_LIMIT - marker.length;
  // Never split a surrogate pair: half an emoji is not valid text.
  const code = value.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${value.slice(0, end)}${marker}`;
}

/** Cut every over-long text cell of the workbook (titles, names, reasons alike). */
export function fitCellsToExcel(workbook: ExcelJS.Workbook): void {
  workbook.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((cell) => {
    if (typeof cell.value === 'string' && cell.value.length > EXCEL_CELL_LIMIT) cell.value = excelText(cell.value);
  })));
}
