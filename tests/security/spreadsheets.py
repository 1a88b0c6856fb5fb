"""Hand-made XLSX files: a workbook is a zip of XML parts, so a test can write exactly what
an attacker would (a declared dimension, sparse rows, a part that unpacks to gigabytes)."""

import io
import zipfile

from tests.test_import_export import COLUMNS

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"
PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package'
        '.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPES}.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        f'ContentType="{_TYPES}.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
        f'Type="{_DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}"><sheets>'
        '<sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
        f'Type="{_DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def column_letter(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def text_row(row: int, values: list[str]) -> str:
    cells = "".join(
        f'<c r="{column_letter(i)}{row}" t="inlineStr"><is><t>{v}</t></is></c>'
        for i, v in enumerate(values, start=1)
    )
    return f'<row r="{row}">{cells}</row>'


HEADER = text_row(1, COLUMNS)


def sheet_xml(rows: str, dimension: str | None = "A1:Q2") -> str:
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<worksheet xmlns="{_MAIN}">{declared}<sheetData>{rows}</sheetData></worksheet>'


def shared_strings(*texts: str) -> str:
    items = "".join(f"<si><t>{text}</t></si>" for text in texts)
    return f'<sst xmlns="{_MAIN}" count="{len(texts)}">{items}</sst>'


def xlsx(sheet: str, strings: str | None = None, sizes: dict[str, int] | None = None) -> bytes:
    """A workbook with `sheet` as its first sheet and `strings` as its shared strings;
    `sizes` overwrites the uncompressed sizes the zip declares for some parts (a zip can lie
    about them)."""
    parts = {**PARTS, "xl/worksheets/sheet1.xml": sheet}
    if strings is not None:
        parts["xl/sharedStrings.xml"] = strings
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            "</Types>",
            '<Override PartName="/xl/sharedStrings.xml" '
            f'ContentType="{_TYPES}.sharedStrings+xml"/></Types>',
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        for name, size in (sizes or {}).items():
            archive.getinfo(name).file_size = size
    return buffer.getvalue()
