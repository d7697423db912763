"""Texts of the zone import (CLI report and the app's import wizard).

``{key: (zh, en)}``; see :mod:`geoplan.text`.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "zi_title": ("园区 {name} 已建立: {folder}", "Zone {name} created in {folder}"),
    "zi_crs": ("  工作坐标系 {crs}; 面积 {km2:.2f} km²", "  working CRS {crs}; area {km2:.2f} km²"),
    "zi_layer": ("  {type}  ←  {source}: {count} 条", "  {type}  ←  {source}: {count} records"),
    "zi_header": (
        "    表头: 工作表 {sheet}, 第 {rows} 行",
        "    header: sheet {sheet}, row(s) {rows}",
    ),
    "zi_map": ("    {field} ← {column}", "    {field} ← {column}"),
    "zi_conv": ("    换算 {field}: {what}", "    conversion {field}: {what}"),
    "zi_codes": (
        "    用地代码: 保留 {kept}, 转换 {converted}, 待确认 {review}, 未识别 {unmapped}",
        "    land-use codes: kept {kept}, converted {converted}, to review {review}, unknown {unmapped}",
    ),
    "zi_link": (
        "    关联地块: {linked} 家, 未关联 {unlinked} 家 ({how})",
        "    linked to parcels: {linked}, unlinked {unlinked} ({how})",
    ),
    "zi_excluded": ("    已排除 {n} 条 (见 excluded/)", "    {n} rows excluded (see excluded/)"),
    "zi_problem": ("    {severity}: {text}", "    {severity}: {text}"),
    "zi_failed": (
        "园区未建立: 以下文件有错误, 未写入任何内容。",
        "Zone not created: the files below have errors; nothing was written.",
    ),
    "zi_unused": ("    未使用的列: {cols}", "    unused columns: {cols}"),
    "severity_error": ("错误", "error"),
    "severity_warning": ("提示", "warning"),
    "zone_list_title": (
        "项目文件夹中的园区 ({folder}):",
        "Zones in the projects folder ({folder}):",
    ),
    "zone_list_none": (
        "(尚无园区; 用 geoplan zone init 建立)",
        "(none yet; create one with geoplan zone init)",
    ),
    "zone_sample": ("内置示例", "bundled sample"),
}
