"""The portal's icons: small inline SVGs drawn with the text colour (no icon font, no CDN, no emoji that a phone
without a colour-emoji font shows as boxes). 24x24, stroked."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

PATHS = {
    "home": '<path d="M3 11l9-7 9 7"/><path d="M5 10v10h5v-6h4v6h5V10"/>',
    "card": '<rect x="2.5" y="5" width="19" height="14" rx="2"/><path d="M2.5 9.5h19"/><path d="M6 15h5"/>',
    "me": '<circle cx="12" cy="8" r="4"/><path d="M4 21c1.5-4 4.5-6 8-6s6.5 2 8 6"/>',
    "join": '<path d="M14 3H6a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V9z"/><path d="M14 3v6h6"/>'
            '<path d="M12 18v-6"/><path d="M9 15h6"/>',
    "membership": '<rect x="3" y="4" width="18" height="16" rx="2"/><circle cx="9" cy="11" r="2.5"/>'
                  '<path d="M5.5 17c.8-1.8 2-2.7 3.5-2.7s2.7.9 3.5 2.7"/><path d="M15 10h3M15 14h3"/>',
    "directory": '<path d="M4 21V5l8-3v19"/><path d="M12 8l8 3v10"/><path d="M2 21h20"/>'
                 '<path d="M7 8h2M7 12h2M7 16h2M15 13h2M15 17h2"/>',
    "notices": '<path d="M3 10v4h4l6 4V6l-6 4z"/><path d="M16 9a4 4 0 0 1 0 6"/><path d="M19 6a8 8 0 0 1 0 12"/>',
    "transfer": '<path d="M4 8h14l-4-4"/><path d="M20 16H6l4 4"/>',
    "applications": '<rect x="5" y="4" width="14" height="17" rx="2"/><path d="M9 4V2.5h6V4"/>'
                    '<path d="M8.5 10h7M8.5 14h7M8.5 18h4"/>',
    "activity": '<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>',
    "settings": '<path d="M4 6h10M18 6h2M4 12h4M12 12h8M4 18h12"/><circle cx="16" cy="6" r="2"/>'
                '<circle cx="10" cy="12" r="2"/><circle cx="18" cy="18" r="2"/>',
    "logout": '<path d="M15 4h3a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-3"/><path d="M10 17l-5-5 5-5"/><path d="M5 12h11"/>',
    "chevron": '<path d="M9 6l6 6-6 6"/>',
    "qr": '<rect x="3" y="3" width="7" height="7"/><rect x="14" y="3" width="7" height="7"/>'
          '<rect x="3" y="14" width="7" height="7"/><path d="M14 14h3v3h-3zM20 14v1M14 20h1M17 20h4v-3"/>',
    "gift": '<rect x="3" y="8" width="18" height="4" rx="1"/><path d="M5 12v8h14v-8"/><path d="M12 8v12"/>'
            '<path d="M12 8c-1.5-3-5-4-5.5-2S9 8 12 8c3 0 6-.5 5.5-2S13.5 5 12 8z"/>',
    "ticket": '<path d="M3 8a2 2 0 0 0 2-2h14a2 2 0 0 0 2 2v2a2 2 0 0 0 0 4v2a2 2 0 0 0-2 2H5'
              'a2 2 0 0 0-2-2v-2a2 2 0 0 0 0-4z"/><path d="M14 6v12" stroke-dasharray="2 2"/>',
    "scan": '<path d="M4 8V5a1 1 0 0 1 1-1h3M16 4h3a1 1 0 0 1 1 1v3M20 16v3a1 1 0 0 1-1 1h-3M8 20H5a1 1 0 0 1-1-1v-3"/>'
            '<path d="M4 12h16"/>',
    "privacy": '<path d="M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z"/><path d="M9 12l2 2 4-4"/>',
    "rights": '<path d="M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z"/><path d="M12 8v5"/><path d="M12 16h.01"/>',
    "legal_aid": '<path d="M12 3v18"/><path d="M7 21h10"/><path d="M4 7h16"/><path d="M6 7l-3 6a3 3 0 0 0 6 0z"/>'
                 '<path d="M18 7l-3 6a3 3 0 0 0 6 0z"/>',
    "counselling": '<path d="M4 5h16v10H9l-5 4z"/><path d="M9 10h.01M12 10h.01M15 10h.01"/>',
    "assistance": '<path d="M12 20s-7-4.5-7-10a4 4 0 0 1 7-2.6A4 4 0 0 1 19 10c0 5.5-7 10-7 10z"/>',
    "news": '<rect x="3" y="4" width="15" height="16" rx="1"/><path d="M18 8h3v10a2 2 0 0 1-2 2"/>'
            '<path d="M7 8h7M7 12h7M7 16h4"/>',
}


def icon(name: str, css: str = "icon") -> SafeString:
    """The icon `name` as an <svg> element (decorative: hidden from screen readers; the text next to it speaks)."""
    return format_html(
        '<svg class="{}" viewBox="0 0 24 24" width="24" height="24" fill="none" stroke="currentColor" '
        'stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">'
        "{}</svg>", css, mark_safe(PATHS[name]))  # noqa: S308  constant markup of this module
