-- The export log answers "who took this list?" (invariant 6): like the kiosk's audit
-- log, its rows can be added and never changed or removed.
CREATE TRIGGER exports_log_append_only BEFORE UPDATE OR DELETE ON exports_log
    FOR EACH ROW EXECUTE FUNCTION linli_append_only();
CREATE TRIGGER exports_log_never_truncated BEFORE TRUNCATE ON exports_log
    FOR EACH STATEMENT EXECUTE FUNCTION linli_append_only();
