"""Keeping the deployment's sensitive-word list: add, change, switch off, import a list, allow a word in context."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from smartunion.core.actors import require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.errors import Conflict, Forbidden, Invalid, NotFound
from smartunion.editorial import sensitive
from smartunion.editorial.models import AllowedContext, SensitiveWord
from smartunion.editorial.rules import may_maintain_words

MAX_WORD = 50
MAX_CONTEXT = 100
MAX_IMPORT_ROWS = 50_000
_CATEGORY_BY_LABEL = {label: code for code, label in SensitiveWord.Category.choices}
_LEVEL_BY_LABEL = {"禁用": SensitiveWord.Level.BLOCK, "提示": SensitiveWord.Level.WARN}


def _check_right(by) -> None:
    require_actor(by)
    if not may_maintain_words(by):
        raise Forbidden("只有平台管理员和省总工会管理员可以维护敏感词库")


def _clean(*, word, category, level, suggestion="", note="") -> dict:
    errors: dict[str, str] = {}
    word = str(word or "").strip()
    key = sensitive.normalize(word)
    if not word or len(word) > MAX_WORD:
        errors["word"] = f"请填写敏感词（最多 {MAX_WORD} 个字）"
    elif not key:
        errors["word"] = "敏感词不能只由空格、标点或符号组成"
    category = str(category or "").strip()
    category = _CATEGORY_BY_LABEL.get(category, category)
    if category not in SensitiveWord.Category.values:
        errors["category"] = "请选择类别：" + "、".join(SensitiveWord.Category.labels)
    level = str(level or "").strip()
    level = _LEVEL_BY_LABEL.get(level, level)
    if level not in SensitiveWord.Level.values:
        errors["level"] = "级别应为“禁用”或“提示”"
    suggestion, note = str(suggestion or "").strip(), str(note or "").strip()
    if len(suggestion) > MAX_WORD:
        errors["suggestion"] = f"建议用语不能超过 {MAX_WORD} 个字"
    if len(note) > 200:
        errors["note"] = "说明不能超过 200 个字"
    if errors:
        raise Invalid.from_fields(errors)
    return {"word": word, "normalized": key, "category": category, "level": level, "suggestion": suggestion,
            "note": note}


def add_word(*, by, word, category, level=SensitiveWord.Level.WARN, suggestion="", note="") -> SensitiveWord:
    _check_right(by)
    values = _clean(word=word, category=category, level=level, suggestion=suggestion, note=note)
    try:
        with transaction.atomic():
            created = SensitiveWord.objects.create(created_by=user_or_none(by), **values)
            log_event("editorial.sensitive_word.create", actor=by, target=created,
                      data={"word": created.word, "category": created.category, "level": created.level})
    except IntegrityError:
        existing = SensitiveWord.objects.filter(normalized=values["normalized"]).first()
        raise Conflict(f"词库中已有“{existing.word if existing else values['word']}”（规范化后相同）",
                       code="duplicate_word", fields={"word": "词库中已有该词"}) from None
    sensitive.word_list_changed()
    return created


def update_word(word: SensitiveWord, *, by, **fields) -> SensitiveWord:
    """Change a word's category, level, suggestion, note or active flag (the word itself is its identity)."""
    _check_right(by)
    unknown = set(fields) - {"category", "level", "suggestion", "note", "active"}
    if unknown:
        raise Invalid(f"不能修改：{'、'.join(sorted(unknown))}")
    current = {"category": word.category, "level": word.level, "suggestion": word.suggestion, "note": word.note}
    values = _clean(word=word.word, **{**current, **{k: v for k, v in fields.items() if k != "active"}})
    changes = {k: values[k] for k in current if values[k] != current[k]}
    if "active" in fields and bool(fields["active"]) != word.active:
        changes["active"] = bool(fields["active"])
    if not changes:
        return word
    with transaction.atomic():
        locked = SensitiveWord.objects.select_for_update().get(pk=word.pk)
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*changes, "updated_at"])
        log_event("editorial.sensitive_word.update", actor=by, target=locked, data={"word": locked.word, **changes})
    sensitive.word_list_changed()
    return locked


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


def import_words(rows: Iterable, *, by, default_category=SensitiveWord.Category.OTHER,
                 default_level=SensitiveWord.Level.WARN) -> ImportReport:
    """Rows of (word[, category[, level[, suggestion]]]) from an Excel sheet or a text file (one word per line);
    category and level by code or by their Chinese label. A word already in the list gets the row's category,
    level and suggestion. Bad rows are reported by line and skipped; the good ones are kept."""
    _check_right(by)
    report = ImportReport()
    seen: set[str] = set()
    cleaned: list[tuple[int, dict]] = []
    for line, row in enumerate(rows, start=1):
        if line > MAX_IMPORT_ROWS:
            report.rejected.append((line, f"一次最多导入 {MAX_IMPORT_ROWS} 行，其余未导入"))
            break
        cells = [str(c).strip() if c is not None else "" for c in (row if isinstance(row, list | tuple) else [row])]
        cells += [""] * (4 - len(cells))
        if not any(cells):
            continue
        try:
            values = _clean(word=cells[0], category=cells[1] or default_category, level=cells[2] or default_level,
                            suggestion=cells[3])
        except Invalid as exc:
            report.rejected.append((line, "；".join(exc.fields.values()) or exc.message))
            continue
        if values["normalized"] in seen:
            report.rejected.append((line, f"“{values['word']}”在文件中重复"))
            continue
        seen.add(values["normalized"])
        cleaned.append((line, values))
    with transaction.atomic():
        existing = {w.normalized: w for w in SensitiveWord.objects.select_for_update().filter(normalized__in=seen)}
        new, changed = [], []
        for _, values in cleaned:
            word = existing.get(values["normalized"])
            if word is None:
                new.append(SensitiveWord(created_by=user_or_none(by), **values))
                continue
            fresh = {k: values[k] for k in ("category", "level", "suggestion")}
            if all(getattr(word, k) == v for k, v in fresh.items()) and word.active:
                report.unchanged += 1
                continue
            for name, value in fresh.items():
                setattr(word, name, value)
            word.active = True
            changed.append(word)
        SensitiveWord.objects.bulk_create(new, batch_size=1000)
        for word in changed:
            word.save(update_fields=["category", "level", "suggestion", "active", "updated_at"])
        report.created, report.updated = len(new), len(changed)
        log_event("editorial.sensitive_word.import", actor=by,
                  data={"created": report.created, "updated": report.updated, "unchanged": report.unchanged,
                        "rejected": len(report.rejected)})
    sensitive.word_list_changed()
    return report


def allow_context(word: SensitiveWord, *, by, context: str) -> AllowedContext:
    """Allow `word` where it stands inside `context` (a false positive), e.g. 党 inside 党委."""
    _check_right(by)
    context = str(context or "").strip()
    key = sensitive.normalize(context)
    if not context or len(context) > MAX_CONTEXT:
        raise Invalid.from_fields({"context": f"请填写允许的上下文（最多 {MAX_CONTEXT} 个字）"})
    if word.normalized not in key or key == word.normalized:
        raise Invalid.from_fields({"context": f"上下文应包含“{word.word}”并比它更长，例如“{word.word}”所在的短语"})
    try:
        with transaction.atomic():
            allowed = AllowedContext.objects.create(word=word, context=context, normalized=key,
                                                    created_by=user_or_none(by))
            log_event("editorial.allowed_context.create", actor=by, target=word,
                      data={"word": word.word, "context": context})
    except IntegrityError:
        raise Conflict("该上下文已允许", code="duplicate_context", fields={"context": "该上下文已允许"}) from None
    sensitive.word_list_changed()
    return allowed


def remove_context(allowed: AllowedContext, *, by) -> None:
    _check_right(by)
    with transaction.atomic():
        deleted, _ = AllowedContext.objects.filter(pk=allowed.pk).delete()
        if not deleted:
            raise NotFound("该上下文不存在")
        log_event("editorial.allowed_context.delete", actor=by, target=allowed.word,
                  data={"word": allowed.word.word, "context": allowed.context})
    sensitive.word_list_changed()
