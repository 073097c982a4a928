package dev.edgetrainer.server.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The PromQL of deploy/monitoring: alert rules by name, dashboard queries by panel. */
final class Monitoring {

    static final String RULES = "deploy/monitoring/alerts.yml";

    static final String RULE_TESTS = "deploy/monitoring/alerts-test.yml";

    static final String DASHBOARD = "deploy/monitoring/grafana-dashboard.json";

    private Monitoring() {
    }

    /** Alert name to expression. */
    @SuppressWarnings("unchecked")
    static Map<String, String> alerts() {
        Map<String, Object> file = new Yaml().load(Deployment.read(RULES));
        Map<String, String> alerts = new LinkedHashMap<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) file.get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                alerts.put((String) rule.get("alert"), ((String) rule.get("expr")).strip());
            }
        }
        return alerts;
    }

    static JsonNode dashboard() {
        return JsonMapper.shared().readTree(Deployment.read(DASHBOARD));
    }

    /**
     * "Panel title / refId" to expression, with Grafana's variables as the test sets
     * them: one device, a one-minute rate window.
     */
    static Map<String, String> dashboardQueries(String device) {
        Map<String, String> queries = new LinkedHashMap<>();
        for (JsonNode panel : dashboard().get("panels")) {
            for (JsonNode target : panel.path("targets")) {
                queries.put(panel.get("title").asString() + " / " + target.get("refId").asString(),
                        grafana(target.get("expr").asString(), device));
            }
        }
        for (JsonNode variable : dashboard().get("templating").get("list")) {
            if (variable.get("type").asString().equals("query")) {
                String definition = variable.get("definition").asString();
                // label_values(metric, label): Grafana asks for the series of the metric.
                queries.put("variable " + variable.get("name").asString(),
                        definition.replaceAll("^label_values\\((.+),\\s*\\w+\\)$", "$1"));
            }
        }
        return queries;
    }

    static String grafana(String expression, String device) {
        return expression.replace("$__rate_interval", "1m").replace("$device", device);
    }

    static List<String> panelsWithout(String field) {
        List<String> titles = new ArrayList<>();
        for (JsonNode panel : dashboard().get("panels")) {
            if (!panel.get("type").asString().equals("row") && panel.path(field).isMissingNode()) {
                titles.add(panel.get("title").asString());
            }
        }
        return titles;
    }

}
