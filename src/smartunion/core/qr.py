"""QR codes rendered as inline SVG (no image library, no third-party JavaScript)."""

import io

import qrcode
import qrcode.image.svg


def qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    text = buffer.getvalue().decode("utf-8")
    return text[text.index("<svg"):]  # drop the XML declaration so it can sit inside HTML
