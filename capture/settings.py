"""Every user-facing setting, declared once.

Each field of :class:`Settings` carries its label, help text, bounds and scope in
its ``metadata``: scope :data:`ARCHIVE` settings belong to one archive and are kept in
it (``storage.archive_settings``), scope :data:`USER` settings are the person's on
this computer, whatever archive is open (the desktop's settings file); the desktop settings dialog builds its form from these
declarations and persists them in ``QSettings``, and the CLI and the capture
code read the same dataclass. Instances are immutable and safe to share across
threads; use :func:`dataclasses.replace` to derive a changed copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

#: Scopes: kept in the archive (each archive its own value) or kept for the user.
ARCHIVE, USER = "archive", "user"


def _setting(default: Any, label: str, help: str = "", *, minimum: float | None = None,
             maximum: float | None = None, unit: str = "", group: str = "Capture",
             scope: str = ARCHIVE) -> Any:
    return field(default=default, metadata={
        "label": label, "help": help, "min": minimum, "max": maximum, "unit": unit, "group": group,
        "scope": scope,
    })


@dataclass(frozen=True)
class Settings:
    archive: str = _setting("", "Archive location",
                            "SQLite file or database URL. Empty: the platform's user data folder.",
                            group="Archive", scope=USER)
    workers: int = _setting(8, "Parallel downloads", "Pages fetched at the same time.",
                            minimum=1, maximum=32)
    per_host: int = _setting(2, "Parallel downloads per site", minimum=1, maximum=8)
    connect_timeout: float = _setting(10.0, "Connect timeout", minimum=1, maximum=120, unit="s")
    read_timeout: float = _setting(20.0, "Read timeout", "Longest silence while reading.",
                                   minimum=1, maximum=300, unit="s")
    total_deadline: float = _setting(60.0, "Deadline per page",
                                     "A page that takes longer than this in total is abandoned.",
                                     minimum=2, maximum=600, unit="s")
    extract_deadline: float = _setting(
        30.0, "Reading deadline per page",
        "A page whose text takes longer than this to read is kept as evidence, marked "
        "\"too complex to read\".", minimum=1, maximum=600, unit="s")
    max_page_mb: float = _setting(25.0, "Largest page", "Decoded size, compressed bombs included.",
                                  minimum=1, maximum=500, unit="MB")
    max_redirects: int = _setting(10, "Most redirects", minimum=0, maximum=30)
    retries: int = _setting(3, "Retries", "On connection errors, 429 and 502/503/504.",
                            minimum=0, maximum=10)
    max_retry_after: float = _setting(30.0, "Longest Retry-After honoured", minimum=0,
                                      maximum=600, unit="s")
    user_agent: str = _setting("Cuttings/0.1 (+press-cuttings archive; desktop)", "User agent")
    download_images: bool = _setting(True, "Download images", group="Images")
    max_image_mb: float = _setting(10.0, "Largest image", minimum=0.1, maximum=100, unit="MB",
                                   group="Images")
    max_images_total_mb: float = _setting(50.0, "Image budget per article", minimum=1,
                                          maximum=500, unit="MB", group="Images")
    allow_local_network: bool = _setting(
        False, "Allow local network addresses",
        "Fetch URLs on loopback and private addresses (intranet pages). Off by default: a page "
        "can otherwise make Cuttings probe your network.", group="Security")
    # Who reviewed, for ClaimReview exports: the person's, not an archive's.
    reviewer_name: str = _setting("", "Reviewer name",
                                  "Named as the author of ClaimReview exports (fact checks).",
                                  group="ClaimReview", scope=USER)
    reviewer_org: str = _setting("", "Reviewer organisation", "The desk or outlet reviewing.",
                                 group="ClaimReview", scope=USER)
    reviewer_url: str = _setting("", "Reviewer web address",
                                 "An http(s) address of the reviewer or organisation.",
                                 group="ClaimReview", scope=USER)

    # Derived values used by the code -----------------------------------------------------
    @property
    def max_page_bytes(self) -> int:
        return int(self.max_page_mb * 1024 * 1024)

    @property
    def max_image_bytes(self) -> int:
        return int(self.max_image_mb * 1024 * 1024)

    @property
    def max_images_total_bytes(self) -> int:
        return int(self.max_images_total_mb * 1024 * 1024)

    def with_values(self, **values: Any) -> Settings:
        return replace(self, **values)

    @classmethod
    def declarations(cls) -> list[tuple[str, type, Any, dict[str, Any]]]:
        """(name, type, default, metadata) for every setting, in declaration order."""
        out = []
        for f in fields(cls):
            typ = {"int": int, "float": float, "bool": bool, "str": str}[str(f.type)]
            out.append((f.name, typ, f.default, dict(f.metadata)))
        return out

    @classmethod
    def names(cls, scope: str) -> list[str]:
        """The names of the settings of one scope (:data:`ARCHIVE` or :data:`USER`)."""
        return [f.name for f in fields(cls) if f.metadata.get("scope", ARCHIVE) == scope]

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> Settings:
        """Build settings from stored values, coercing types and clamping to bounds;
        unknown keys and unreadable values are ignored (the default stays)."""
        kwargs: dict[str, Any] = {}
        for name, typ, _default, meta in cls.declarations():
            if name not in values or values[name] is None:
                continue
            raw = values[name]
            try:
                if typ is bool:
                    val: Any = raw if isinstance(raw, bool) else str(raw).lower() in {"1", "true", "yes", "on"}
                else:
                    val = typ(raw)
            except (TypeError, ValueError):
                continue
            if typ in (int, float):
                if meta.get("min") is not None:
                    val = max(typ(meta["min"]), val)
                if meta.get("max") is not None:
                    val = min(typ(meta["max"]), val)
            kwargs[name] = val
        return cls(**kwargs)


DEFAULT_SETTINGS = Settings()
