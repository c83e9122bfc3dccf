"""QR codes rendered as inline SVG (no image library, no third-party JavaScript)."""

import io

import qrcode
import qrcode.constants
import qrcode.image.svg


def qr_svg(data: str) -> str:
    # Low error correction keeps the code sparse enough for a phone screen read by a cheap scanner.
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2,
                        error_correction=qrcode.constants.ERROR_CORRECT_L)
    buffer = io.BytesIO()
    image.save(buffer)
    text = buffer.getvalue().decode("utf-8")
    return text[text.index("<svg"):]  # drop the XML declaration so it can sit inside HTML
