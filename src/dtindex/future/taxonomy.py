"""The six future-industry fields, their sub-fields and the AI tracks.

Modelled on the field list of the MIIT et al. 2024 guideline on future industries
(未来制造、未来信息、未来材料、未来能源、未来空间、未来健康/生物). Sub-field codes are
globally unique (``<field>_<sub>``) so that one column of a registry tags both.
"""

from __future__ import annotations

import pandas as pd

#: field code -> (zh name, en name)
FIELDS: dict[str, tuple[str, str]] = {
    "info": ("未来信息", "Future information"),
    "bio": ("未来生物", "Future biology"),
    "energy": ("未来能源", "Future energy"),
    "mfg": ("未来制造", "Future manufacturing"),
    "mat": ("未来材料", "Future materials"),
    "space": ("未来空间", "Future space"),
}

#: sub-field code -> (field, zh name, en name)
SUBFIELDS: dict[str, tuple[str, str, str]] = {
    "info_ai": ("info", "人工智能", "Artificial intelligence"),
    "info_6g": ("info", "下一代移动通信", "Next-generation mobile communication"),
    "info_satnet": ("info", "卫星互联网", "Satellite internet"),
    "info_quantum": ("info", "量子信息", "Quantum information"),
    "info_brain": ("info", "类脑智能", "Brain-inspired intelligence"),
    "info_xr": ("info", "虚拟现实", "Virtual reality"),
    "bio_gene": ("bio", "细胞与基因技术", "Cell and gene technology"),
    "bio_synbio": ("bio", "合成生物", "Synthetic biology"),
    "bio_breeding": ("bio", "生物育种", "Biological breeding"),
    "bio_bci": ("bio", "脑机接口", "Brain-computer interfaces"),
    "bio_precision": ("bio", "精准医疗", "Precision medicine"),
    "energy_fusion": ("energy", "核聚变", "Nuclear fusion"),
    "energy_hydrogen": ("energy", "氢能", "Hydrogen"),
    "energy_storage": ("energy", "新型储能", "New energy storage"),
    "energy_biomass": ("energy", "生物质能", "Biomass energy"),
    "energy_nuclear": ("energy", "先进核能", "Advanced nuclear power"),
    "mfg_smart": ("mfg", "智能制造", "Smart manufacturing"),
    "mfg_humanoid": ("mfg", "人形机器人", "Humanoid robots"),
    "mfg_laser": ("mfg", "激光制造", "Laser manufacturing"),
    "mfg_nano": ("mfg", "纳米制造", "Nano-manufacturing"),
    "mfg_circular": ("mfg", "循环制造", "Circular manufacturing"),
    "mat_basic": ("mat", "先进基础材料", "Advanced basic materials"),
    "mat_strategic": ("mat", "关键战略材料", "Key strategic materials"),
    "mat_frontier": ("mat", "前沿新材料", "Frontier new materials"),
    "space_aero": ("space", "商业航天", "Commercial aerospace"),
    "space_lowalt": ("space", "低空经济", "Low-altitude economy"),
    "space_deepsea": ("space", "深海装备", "Deep-sea equipment"),
    "space_deepearth": ("space", "深地探测", "Deep-earth exploration"),
}

#: The AI sub-field (its firms carry an AI track).
AI_SUBFIELD = "info_ai"

#: AI track code -> (zh name, en name)
AI_TRACKS: dict[str, tuple[str, str]] = {
    "llm": ("大模型", "Foundation models"),
    "cv": ("计算机视觉", "Computer vision"),
    "speech": ("智能语音", "Speech"),
    "driving": ("智能驾驶", "Autonomous driving"),
    "chip": ("AI 芯片", "AI chips"),
    "embodied": ("具身智能", "Embodied AI"),
    "apps": ("行业应用", "Industry applications"),
}

#: The four dimensions: code -> (zh, en)
DIMENSIONS: dict[str, tuple[str, str]] = {
    "agglomeration": ("集聚度", "Agglomeration"),
    "activity": ("活跃度", "Activity"),
    "growth": ("成长性", "Growth"),
    "diversity": ("多样性", "Diversity"),
}


def subfields_of(field: str) -> list[str]:
    """Sub-field codes of a field, in taxonomy order."""
    if field not in FIELDS:
        raise KeyError(f"unknown future-industry field {field!r}; fields are {', '.join(FIELDS)}")
    return [s for s, (f, _, _) in SUBFIELDS.items() if f == field]


def taxonomy_table() -> pd.DataFrame:
    """One row per sub-field: ``field, field_zh, field_en, subfield, subfield_zh, subfield_en``."""
    rows = [(f, FIELDS[f][0], FIELDS[f][1], s, zh, en) for s, (f, zh, en) in SUBFIELDS.items()]
    return pd.DataFrame(rows, columns=["field", "field_zh", "field_en", "subfield", "subfield_zh", "subfield_en"])
