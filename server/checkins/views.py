from flask_smorest import Blueprint
blp = Blueprint("checkins", __name__, url_prefix="/api/v1")
