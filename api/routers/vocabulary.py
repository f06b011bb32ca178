"""The vocabulary the API answers in: list types, roles, effects, warning lists, domains and rules, with their
Chinese and English labels (graphsvc/data/*.yaml and the rule table). The dashboard labels everything from it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.models import VocabularyAnswer
from api.service import ServiceDep
from graphsvc.disclosure import Disclosure
from graphsvc.profiles import load_profile
from graphsvc.rules.table import RULES
from graphsvc.vocab import SubjectKind
from graphsvc.vocabulary import vocabulary

router = APIRouter(tags=["vocabulary"])

_KINDS_ZH = {
    SubjectKind.ENTERPRISE: "企业",
    SubjectKind.SOCIAL_ORG: "社会组织",
    SubjectKind.PUBLIC_INSTITUTION: "事业单位",
    SubjectKind.GOVERNMENT: "机关",
    SubjectKind.PERSON: "自然人",
}


@router.get("/v1/vocabulary", response_model=VocabularyAnswer, summary="Labels and meaning of every code")
def get_vocabulary(service: ServiceDep) -> Any:
    """Public: the tables every answer's codes come from (no personal data, nothing to audit). Each effect's
    ``audience`` is the lowest tier that sees its records under the service's profile."""
    vocab = vocabulary().as_dict()
    disclosure = Disclosure.of(load_profile(service.settings.profile))
    for code, effect in vocab["effects"].items():
        effect["audience"] = disclosure.effect_tier(code).label
    vocab["subject_kinds"] = {k.value: {"zh": zh, "en": k.value.replace("_", " ")} for k, zh in _KINDS_ZH.items()}
    vocab["rules"] = {
        rule.id: {
            "zh": rule.title_zh,
            "en": rule.title,
            "shape": rule.shape.value,
            "effects": sorted(rule.effects.values()),
            "requirements": list(rule.requirements),
        }
        for rule in RULES.values()
    }
    return vocab
