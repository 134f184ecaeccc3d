"""HTTP endpoints of meetings and check-ins (CONTRACT §6 and the agreed endpoint map)."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, g

from server.checkins import attendance as attendance_service
from server.checkins import checkin, events, leave, me, reminders
from server.checkins import compliance as compliance_service
from server.checkins import schemas as s
from server.checkins.sheets import attendance_xlsx
from server.common.apidoc import SECURED
from server.common.xlsx import XLSX_MIMETYPE
from server.core.guards import current_principal, member_required, staff_required
from server.errors import ErrorOut
from server.extensions import Blueprint

blp = Blueprint("checkins", __name__, url_prefix="/api/v1", description="活动（三会一课等）、签到、请假与出勤")
SECRETARY = "branch_secretary"
BINARY = {"type": "string", "format": "binary"}


def _errors(*codes):
    """Document the error responses an endpoint may give (all in the one error shape)."""
    def decorator(func):
        for code in codes:
            func = blp.alt_response(code, schema=ErrorOut, description="错误（code/message）")(func)
        return func
    return decorator


# ---- events ---------------------------------------------------------------------------------------

@blp.post("/events")
@blp.arguments(s.EventIn, example={
    "branch_id": 5, "kind": "theme_day", "title": "12月主题党日：志愿服务进社区", "starts_at": "2026-12-10T09:00:00+08:00",
    "ends_at": "2026-12-10T11:00:00+08:00", "location": {"lat": 30.5928, "lng": 114.3055, "radius_m": 300},
    "place_name": "江汉区党群服务中心", "chair": "支部书记", "recorder": "组织委员"})
@blp.response(201, s.EventOut)
@_errors(403, 404, 422)
@blp.doc(**SECURED, summary="安排活动（支部书记）")
@staff_required(SECRETARY)
def create_event(data):
    return events.create_event(current_principal(), data)


@blp.get("/events")
@blp.arguments(s.EventListQuery, location="query")
@blp.response(200, s.EventPageOut)
@_errors(403)
@blp.doc(**SECURED, summary="活动列表（按支部、月份或即将开始；工作人员，限本人范围）")
@staff_required()
def list_events(query):
    return events.list_events(current_principal(), **query)


@blp.get("/events/<int:event_id>")
@blp.response(200, s.EventOut)
@_errors(403, 404)
@blp.doc(**SECURED, summary="活动详情（工作人员）")
@staff_required()
def get_event(event_id):
    return events.get_event(current_principal(), event_id)


@blp.patch("/events/<int:event_id>")
@blp.arguments(s.EventPatch)
@blp.response(200, s.EventOut)
@_errors(403, 404, 422)
@blp.doc(**SECURED, summary="修改活动（支部书记；已取消或已结束的不能改）")
@staff_required(SECRETARY)
def update_event(changes, event_id):
    return events.update_event(current_principal(), event_id, changes)


@blp.post("/events/<int:event_id>/cancel")
@blp.arguments(s.CancelIn)
@blp.response(200, s.EventOut)
@_errors(403, 404, 422)
@blp.doc(**SECURED, summary="取消活动（支部书记）")
@staff_required(SECRETARY)
def cancel_event(data, event_id):
    return events.cancel_event(current_principal(), event_id, data["reason"])


@blp.get("/events/<int:event_id>/checkin-code")
@blp.arguments(s.CodeQuery, location="query")
@blp.response(200, s.CheckinCodeOut)
@blp.alt_response(200, schema=BINARY, content_type="image/png", description="JSON {token, expires_in}；format=png 时为小程序码图片（scene 即 token）",
                  success=True)
@_errors(403, 404, 422, 503)
@blp.doc(**SECURED, summary="现场轮换签到码（支部书记；≤60 秒有效）")
@staff_required(SECRETARY)
def checkin_code(query, event_id):
    if query["format"] == "png":
        png, expires_in = checkin.checkin_code_png(current_principal(), event_id)
        return Response(png, mimetype="image/png",
                        headers={"Cache-Control": "no-store", "X-Expires-In": str(expires_in)})
    token, expires_in = checkin.checkin_code(current_principal(), event_id)
    return {"token": token, "expires_in": expires_in}


# ---- check-ins and leave --------------------------------------------------------------------------

@blp.post("/events/<int:event_id>/checkins")
@blp.arguments(s.CheckinIn, example={"token": "9.tpe516.fREmBSWlAirkYKYbpa8j6i", "lat": 30.5928, "lng": 114.3055,
                                     "accuracy": 20})
@blp.response(201, s.CheckinResultOut, description="首次签到")
@blp.alt_response(200, schema=s.CheckinResultOut, description="已签到过：返回第一次的记录", success=True)
@blp.alt_response(409, schema=ErrorOut, description="member_left：已办理组织关系转出或返乡，不再在本支部签到")
@_errors(403, 404, 422, 429)
@blp.doc(**SECURED, summary="扫码签到（党员；坐标为 GCJ-02，时间以服务器为准）")
@member_required(counts=("checkin", "CHECKIN_RATE_WINDOW_S"))
def check_in(data, event_id):
    record, created = checkin.check_in(g.member_id, event_id, data["token"], data["lat"], data["lng"],
                                       data["accuracy"])
    return {"checkin": record}, 201 if created else 200


@blp.post("/events/<int:event_id>/manual-checkins")
@blp.arguments(s.ManualCheckinIn, example={"member_id": 12, "reason": "手机没电，现场核实后补签"})
@blp.response(201, s.CheckinResultOut)
@_errors(403, 404, 409, 422)
@blp.doc(**SECURED, summary="补签（支部书记，须填原因，记入审计）")
@staff_required(SECRETARY)
def manual_checkin(data, event_id):
    return {"checkin": checkin.manual_checkin(current_principal(), event_id, data["member_id"], data["reason"])}


@blp.post("/events/<int:event_id>/leave")
@blp.arguments(s.LeaveIn, example={"reason": "工地加班，不能请假，会后补学"})
@blp.response(201, s.LeaveResultOut)
@_errors(403, 404, 409, 422)
@blp.doc(**SECURED, summary="请假（党员，每个活动一次）")
@member_required
def request_leave(data, event_id):
    return {"leave": leave.request_leave(g.member_id, event_id, data["reason"])}


@blp.get("/events/<int:event_id>/leaves")
@blp.response(200, s.LeaveListOut)
@_errors(403, 404)
@blp.doc(**SECURED, summary="活动的请假申请（工作人员）")
@staff_required()
def list_leaves(event_id):
    return {"items": leave.list_leaves(current_principal(), event_id)}


@blp.post("/leaves/<int:leave_id>/decision")
@blp.arguments(s.DecisionIn)
@blp.response(200, s.LeaveResultOut)
@_errors(403, 404, 409, 422)
@blp.doc(**SECURED, summary="批准或不批准请假（支部书记）")
@staff_required(SECRETARY)
def decide_leave(data, leave_id):
    return {"leave": leave.decide_leave(current_principal(), leave_id, data["approve"], data["note"])}


# ---- attendance and compliance --------------------------------------------------------------------

@blp.get("/events/<int:event_id>/attendance")
@blp.arguments(s.AttendanceQuery, location="query")
@blp.response(200, s.AttendanceOut)
@blp.alt_response(200, schema=BINARY, content_type=XLSX_MIMETYPE, description="JSON 出勤名单；format=xlsx 时为可打印的会议记录签到表",
                  success=True)
@_errors(403, 404)
@blp.doc(**SECURED, summary="出勤：出席、请假、缺席（工作人员，限本人范围）")
@staff_required()
def attendance(query, event_id):
    result = attendance_service.attendance(current_principal(), event_id)
    if query["format"] == "xlsx":
        filename = f"会议记录-{result.event.id}.xlsx"
        return Response(attendance_xlsx(result), mimetype=XLSX_MIMETYPE, headers={
            "Content-Disposition": f"attachment; filename=event-{result.event.id}.xlsx; "
                                   f"filename*=UTF-8''{quote(filename)}"})
    return result


@blp.get("/branches/<int:branch_id>/compliance")
@blp.arguments(s.ComplianceQuery, location="query")
@blp.response(200, s.ComplianceOut)
@_errors(403, 404)
@blp.doc(**SECURED, summary="本支部组织生活达标情况（按季度及其年度；已结束且未取消的活动计为已召开；列出未达标项所违反的规则和尚需召开的项）")
@staff_required()
def compliance(query, branch_id):
    return compliance_service.compliance(current_principal(), branch_id, query["quarter"])


@blp.get("/townships/<int:township_id>/compliance")
@blp.arguments(s.ComplianceQuery, location="query")
@blp.response(200, s.TownshipComplianceOut)
@_errors(403, 404)
@blp.doc(**SECURED, summary="乡镇各流动党员党支部的组织生活达标情况（按季度，每项未达标附所违反的规则）")
@staff_required("county_admin", "township_admin")
def township_compliance(query, township_id):
    return compliance_service.township_compliance(current_principal(), township_id, query["quarter"])


@blp.get("/county/compliance")
@blp.arguments(s.ComplianceQuery, location="query")
@blp.response(200, s.CountyComplianceOut)
@_errors(403)
@blp.doc(**SECURED, summary="县内各乡镇的组织生活达标情况（按季度，按规则统计未达标支部数）")
@staff_required("county_admin")
def county_compliance(query):
    return compliance_service.county_compliance(current_principal(), query["quarter"])


# ---- member-facing --------------------------------------------------------------------------------

@blp.get("/me/events")
@blp.arguments(s.MyEventsQuery, location="query")
@blp.response(200, s.MyEventPageOut)
@_errors(403)
@blp.doc(**SECURED, summary="我的支部的活动，附我的签到或请假状态（党员）")
@member_required
def my_events(query):
    return me.my_events(g.member_id, **query)


@blp.get("/me/checkins")
@blp.arguments(s.PageQuery, location="query")
@blp.response(200, s.MyCheckinPageOut)
@_errors(403)
@blp.doc(**SECURED, summary="我的签到记录（党员，分页）")
@member_required
def my_checkins(query):
    return me.my_checkins(g.member_id, **query)


@blp.post("/me/subscriptions")
@blp.arguments(s.SubscriptionIn)
@blp.response(201, s.SubscriptionOut)
@_errors(403, 422)
@blp.doc(**SECURED, summary="记录一次订阅消息授权（wx.requestSubscribeMessage 同意后调用，一次授权发一条）")
@member_required
def add_subscription(data):
    return reminders.add_subscription_grant(current_principal(), g.member_id, data["template_id"])
