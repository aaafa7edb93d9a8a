"""Vascular access site: phlebitis scales, device types and insertion-attempt limit."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScaleEntry:
    """One grade of a site scale: what it means and what to do, in plain words."""

    score: int
    meaning: str
    action: str


_REMOVE = (
    "Stop the infusion in this catheter, remove it (or arrange removal if you cannot remove "
    "this device type) and resite if therapy continues; notify the prescriber; document."
)

# Source: Infusion Nurses Society, Infusion Therapy Standards of Practice — phlebitis scale 0-4.
INS_PHLEBITIS: dict[int, ScaleEntry] = {
    0: ScaleEntry(0, "No symptoms.", "No action needed; keep checking the site at every visit."),
    1: ScaleEntry(
        1,
        "Redness at the access site, with or without pain.",
        "Watch the site closely: check it again before you leave, teach the patient what to "
        "report, and document. Remove the catheter if it is no longer needed.",
    ),
    2: ScaleEntry(2, "Pain at the access site with redness and/or swelling.", _REMOVE),
    3: ScaleEntry(
        3,
        "Pain at the access site with redness, streak formation and/or a palpable venous cord.",
        _REMOVE,
    ),
    4: ScaleEntry(
        4,
        "Pain at the access site with redness, streak formation, a palpable venous cord longer "
        "than 1 inch, and/or pus (purulent drainage).",
        _REMOVE + " Culture the drainage if ordered; check for fever and report it.",
    ),
}

# Source: Jackson A., Nursing Times 1998 — Visual Infusion Phlebitis (VIP) score 0-5.
VIP_SCORE: dict[int, ScaleEntry] = {
    0: ScaleEntry(0, "Site looks healthy: no signs of phlebitis.", "Observe the cannula."),
    1: ScaleEntry(
        1,
        "Slight pain or slight redness near the site: possibly the first sign of phlebitis.",
        "Observe the cannula.",
    ),
    2: ScaleEntry(
        2,
        "Two of pain, redness or swelling near the site: early stage of phlebitis.",
        "Resite the cannula.",
    ),
    3: ScaleEntry(
        3,
        "Pain along the vein, redness and hardening: medium stage of phlebitis.",
        "Resite the cannula and consider treatment.",
    ),
    4: ScaleEntry(
        4,
        "Pain along the vein, redness, hardening and a palpable venous cord: advanced stage of "
        "phlebitis or start of thrombophlebitis.",
        "Resite the cannula and consider treatment.",
    ),
    5: ScaleEntry(
        5,
        "Pain along the vein, redness, hardening, a palpable venous cord and fever: advanced "
        "stage of thrombophlebitis.",
        "Initiate treatment and resite the cannula.",
    ),
}

DEVICE_TYPES: tuple[tuple[str, str], ...] = (
    ("peripheral_iv", "Peripheral IV"),
    ("midline", "Midline catheter"),
    ("picc", "PICC line"),
    ("implanted_port", "Implanted port"),
    ("other", "Other"),
)

# Source: INS Infusion Therapy Standards of Practice — no more than 2 insertion attempts
# per clinician before escalating to a more skilled clinician.
INSERTION_ATTEMPT_LIMIT = 2


def _entry(scale: dict[int, ScaleEntry], score: int, name: str) -> ScaleEntry:
    # bool is an int subclass; True must not silently mean grade 1.
    if isinstance(score, bool) or score not in scale:
        raise ValueError(f"{name} score must be between {min(scale)} and {max(scale)}.")
    return scale[score]


def phlebitis_entry(score: int) -> ScaleEntry:
    """INS phlebitis grade 0-4; ValueError when out of range."""
    return _entry(INS_PHLEBITIS, score, "Phlebitis")


def vip_entry(score: int) -> ScaleEntry:
    """VIP score 0-5; ValueError when out of range."""
    return _entry(VIP_SCORE, score, "VIP")


def too_many_attempts(n: int) -> bool:
    """True when more insertion attempts were made than the INS limit allows."""
    if n < 0:
        raise ValueError("Number of attempts cannot be negative.")
    return n > INSERTION_ATTEMPT_LIMIT
