"""Reading a dataset file once, the same way for every command and route: TXT (a sentence a line),
CSV (RFC 4180: strict quoting, so an unclosed quote is an error), TSV (tab-separated, quoted as Excel
writes it) and JSONL; the encoding from a BOM, else UTF-8, else detected (a GBK file saved by Excel
works); rows numbered, every bad row and every error with its line in the file."""

from simservice.datafiles.cells import typed_cell
from simservice.datafiles.decoding import decode
from simservice.datafiles.reader import FORMATS, detect_format, jsonl_rows, read_data, read_rows, rows_from_records
from simservice.datafiles.rows import BadInput, BadRow, Row
from simservice.datafiles.tables import Table, read_table

__all__ = ["FORMATS", "BadInput", "BadRow", "Row", "Table", "decode", "detect_format", "jsonl_rows", "read_data",
           "read_rows", "read_table", "rows_from_records", "typed_cell"]
