"""Named codes of a member's history (MembershipChange.change_type and .reason, Transfer.reason).

The values are the codes of core/codes/data/membership_change_type.json and membership_change_reason.json; a reason
code starts with the code of its type. Code reads `ChangeType.TRANSFER_OUT`, never "03".
"""

from __future__ import annotations


class ChangeType:
    """The kind of change (会籍变动类型代码)."""

    JOIN = "01"  # 入会
    TRANSFER_IN = "02"  # 转入
    TRANSFER_OUT = "03"  # 转出
    WITHDRAW = "04"  # 退会
    EXPEL = "05"  # 除名
    RETAIN = "06"  # 保留会籍
    RESTORE = "07"  # 恢复会籍
    ATTACH = "08"  # 挂靠
    REATTACH = "09"  # 挂靠转回


class Reason:
    """Why (会籍变动原因代码); the first two digits are the change type."""

    JOIN_ONLINE = "0101"  # 网上申请入会
    JOIN_SCAN = "0102"  # 扫码入会
    JOIN_IMPORT = "0103"  # 批量导入
    TRANSFER_IN_WORK = "0201"  # 工作调动（转入）
    TRANSFER_WORK = "0301"  # 工作调动（转出）
    TRANSFER_LEFT_JOB = "0302"  # 离职
    WITHDRAW_VOLUNTARY = "0401"  # 自愿退会
    WITHDRAW_RETIRED = "0402"  # 退休
    WITHDRAW_DECEASED = "0403"  # 死亡（终止会籍）
    WITHDRAW_EMIGRATED = "0404"  # 出国定居
    EXPEL_MISCONDUCT = "0501"  # 严重违纪
    RETAIN_RETIRED = "0601"  # 退休保留
    RETAIN_UNEMPLOYED = "0602"  # 失业保留
    RETAIN_STUDY_ABROAD = "0603"  # 出国留学
    RESTORE_REEMPLOYED = "0701"  # 重新就业
    RESTORE_RETURNED = "0702"  # 留学回国
    ATTACH_NO_UNION = "0801"  # 单位未建会
    REATTACH_FOUNDED = "0901"  # 单位建会

    @staticmethod
    def of_type(reason: str, change_type: str) -> bool:
        """Is `reason` a reason of `change_type`?"""
        return reason[:2] == change_type
