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
    # import wizard (数据 page)
    "iw_title": ("导入园区数据", "Import a zone's own data"),
    "iw_intro": (
        "上传本园区的边界、地块(控规/宗地)、企业名单(税务/统计 Excel)等文件。"
        "系统按中文列名和国标字段缩写(DKBH、YDDM、TBMJ…)识别字段，"
        "换算单位(公顷/亩/元/万元)和用地代码(GB 50137、三调 → 用地用海2023)，"
        "列出每一项映射与换算，有疑问处请您确认。",
        "Upload the zone's boundary, parcels (控规/宗地), firm list (tax or statistics Excel) and "
        "other files. Columns are recognised by their Chinese names and national abbreviations "
        "(DKBH, YDDM, TBMJ …), units (公顷/亩/元/万元) and land-use codes (GB 50137, 三调 → "
        "用地用海 2023) converted; every mapping and conversion is listed, and anything ambiguous "
        "is asked.",
    ),
    "iw_name": ("园区名称", "Zone name"),
    "iw_file": ("{label} 文件", "{label} file"),
    "iw_coord": ("经纬度坐标系", "Lon/lat system"),
    "iw_firm_coord": ("企业经纬度坐标系", "Lon/lat system of firm points"),
    "iw_preview": ("识别并预览", "Recognise and preview"),
    "iw_create": ("建立园区", "Create the zone"),
    "iw_created": (
        "已建立园区 {name}，并已切换到该园区。",
        "Zone {name} created; you are now working on it.",
    ),
    "iw_need_boundary": (
        "请先上传园区边界(面图层)。",
        "Upload the zone boundary (a polygon layer) first.",
    ),
    "iw_mapping": ("字段映射(可修改)", "Column mapping (editable)"),
    "iw_derived": ("推导与换算", "Derived fields and conversions"),
    "iw_codes": ("用地代码转换", "Land-use code conversion"),
    "iw_problems": ("问题与提示", "Problems and notes"),
    "iw_linked": (
        "企业关联地块: {linked} 家，未关联 {unlinked} 家",
        "Firms linked to parcels: {linked}, unlinked {unlinked}",
    ),
    "iw_has_errors": (
        "有 {n} 个错误需先处理(见下表)，园区尚未建立。",
        "{n} error(s) to fix first (see below); the zone was not created.",
    ),
    "iw_not_used": ("(不使用)", "(not used)"),
    "iw_col_column": ("文件列", "Column in file"),
    "iw_col_field": ("对应字段", "Field"),
    "iw_col_sample": ("示例值", "Sample values"),
    "iw_col_how": ("识别方式", "Recognised by"),
    "iw_col_what": ("推导/换算", "Derived / converted"),
    "iw_col_source_code": ("原代码", "Source code"),
    "iw_col_target_code": ("用地用海代码", "用地用海 code"),
    "iw_col_count": ("数量", "Count"),
    "iw_col_status": ("处理", "Result"),
    "iw_col_severity": ("级别", "Severity"),
    "iw_col_row": ("行", "Row"),
    "iw_col_message": ("说明", "Message"),
    "iw_how_alias": ("常用名/国标缩写", "common name / national abbreviation"),
    "iw_how_label": ("中文字段名", "Chinese field label"),
    "iw_how_name": ("标准字段名", "standard field name"),
    "iw_how_map": ("人工指定", "set by you"),
    "iw_how_none": ("—", "—"),
    "iw_code_converted": ("已转换", "converted"),
    "iw_code_broader": ("转为上级类(细类未知)", "to the parent class (sub-class unknown)"),
    "iw_code_by_name": ("按名称识别", "recognised by name"),
    "iw_code_review": ("一对多, 待确认(已排除)", "one-to-many, to decide (excluded)"),
    "iw_code_unknown": ("未识别(已排除)", "unknown (excluded)"),
    # 数据 page: the zone's layers and the project store (geoplan.present.zone_view)
    "zv_layer": ("图层", "Layer"),
    "zv_type": ("类型", "Type"),
    "zv_count": ("要素/行数", "Features / rows"),
    "zv_area_ha": ("面积(公顷)", "Area (ha)"),
    "zv_length_km": ("长度(km)", "Length (km)"),
    "zv_crs": ("坐标系", "Coordinate system"),
    "zv_table": ("(表格, 无坐标)", "(table, no coordinates)"),
    "zv_file": ("文件", "File"),
    "zv_tab_import": ("导入园区数据", "Import a zone"),
    "zv_tab_layers": ("当前园区图层", "This zone's layers"),
    "zv_tab_store": ("项目库", "Project store"),
    "zv_current": ("当前园区: {name} · 坐标系 {crs}", "Current zone: {name} · CRS {crs}"),
    "store_col_action": ("操作", "Action"),
    "store_col_details": ("变更内容", "What changed"),
    "store_col_id": ("序号", "No."),
    "store_col_rows": ("表格", "Tables"),
    "store_col_forced": ("强制覆盖", "Forced"),
    "store_action_save": ("保存", "save"),
    "store_action_export": ("导出", "export"),
    "store_action_conflict": ("版本冲突(未保存)", "version conflict (not saved)"),
    # import wizard, steps
    "iw_folder": ("保存位置: {path}", "Saved to: {path}"),
    "iw_sheet": ("工作表(可选)", "sheet (optional)"),
    "iw_step_files": ("1. 上传文件", "1. Upload the files"),
    "iw_step_check": ("2. 核对字段映射与代码转换", "2. Check the mappings and code conversions"),
    "iw_step_create": ("3. 建立园区", "3. Create the zone"),
    "iw_none_yet": (
        "尚未识别: 上传文件后点击“识别并预览”。",
        "Nothing recognised yet: upload, then press “Recognise and preview”.",
    ),
    "iw_layer_ok": ("{label}: {n} 条, 可导入", "{label}: {n} rows, ready"),
    "iw_layer_bad": ("{label}: {n} 个错误", "{label}: {n} error(s)"),
    "iw_exists": (
        "已有同名园区 {name}; 勾选“替换”以用这些文件重建(保留其情景与表格)。",
        "A zone named {name} exists; tick “replace” to rebuild it from these files "
        "(its scenarios and tables are kept).",
    ),
    "iw_replace": ("替换同名园区", "Replace the zone of that name"),
    "iw_progress": ("正在导入 {what} …", "Importing {what} …"),
    "iw_need_name": ("请填写园区名称。", "Give the zone a name."),
    "iw_stale": (
        "文件或映射已改动, 请重新识别后再建立。",
        "Files or mappings changed: recognise again before creating.",
    ),
    "missing_layers": (
        "本园区缺少 {layers}，此项分析无法进行。补充该图层(在“数据”页导入，或写入园区文件夹的 zone.yaml)后即可使用。",
        "This zone has no {layers}, which this analysis needs. Add it (import it on the Data page, or list "
        "it in the zone folder's zone.yaml) to use it.",
    ),
    "raster_dem": ("数字高程模型(DEM)", "elevation model (DEM)"),
    "zone_picker": ("当前园区", "Zone"),
    "zone_picker_sample": ("{name}(内置示例)", "{name} (bundled sample)"),
}
