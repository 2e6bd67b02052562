"""CSV downloads: rows written so that a spreadsheet opening them runs nothing."""
import csv
import io

from flask import Response


def safe_cell(value):
    """A text cell that a spreadsheet would run as a formula is written as text; numbers stay numbers."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_download(filename, header, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
