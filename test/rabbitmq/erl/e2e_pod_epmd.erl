%% Test-only epmd client module, loaded into every broker of test/rabbitmq with
%%   -pa <ebin> -epmd_module e2e_pod_epmd -kernel inet_dist_use_interface {127,0,0,N}
%%
%% Why: all pods of a StatefulSet use the SAME alive name ("rabbit@<pod>.<svc>.<ns>.svc.<domain>"). A stock epmd
%% keys registrations by alive name only and every node registers at 127.0.0.1, so three "rabbit" nodes on one
%% host would clash. Here each pod owns a loopback IP (its FQDN resolves there through ERL_INETRC). Instead of
%% registering with the host's epmd, register_node/3 starts a minimal epmd responder inside the node, listening on
%% {PodIP, ERL_EPMD_PORT}, that answers PORT_PLEASE2_REQ (and NAMES_REQ) for this node only: exactly what one epmd
%% per pod does in Kubernetes. All lookups stay stock (erl_epmd asks <peer IP>:ERL_EPMD_PORT), so peer nodes,
%% rabbitmqctl and rabbit's own erl_epmd calls need nothing special. Nodes without a pod IP (127.0.0.1: CLI tools)
%% use the stock path and the harness-owned epmd on 127.0.0.1:ERL_EPMD_PORT.
-module(e2e_pod_epmd).
-export([start_link/0, register_node/2, register_node/3, listen_port_please/2, address_please/3,
         port_please/2, port_please/3, names/0, names/1]).

-define(PT, {?MODULE, responder}).

start_link() -> erl_epmd:start_link().
listen_port_please(Name, Host) -> erl_epmd:listen_port_please(Name, Host).
address_please(Name, Host, Family) -> erl_epmd:address_please(Name, Host, Family).
port_please(Name, Host) -> erl_epmd:port_please(Name, Host).
port_please(Name, Host, Timeout) -> erl_epmd:port_please(Name, Host, Timeout).
names() -> erl_epmd:names().
names(Host) -> erl_epmd:names(Host).

register_node(Name, Port) -> register_node(Name, Port, inet_tcp).
register_node(Name, Port, Driver) ->
    case application:get_env(kernel, inet_dist_use_interface) of
        {ok, {127, 0, 0, N} = IP} when N =/= 1 -> responder(IP, iolist_to_binary(io_lib:format("~s", [Name])), Port);
        _ -> erl_epmd:register_node(Name, Port, Driver)
    end.

epmd_port() ->
    case os:getenv("ERL_EPMD_PORT") of false -> 4369; P -> list_to_integer(P) end.

%% rabbit's prelaunch starts distribution once (temporary), stops it and starts it again; rabbit_epmd_monitor
%% re-registers periodically. Keep one responder per (name, port); replace a stale one.
responder(IP, Name, Port) ->
    case persistent_term:get(?PT, undefined) of
        {Pid, Name, Port} ->
            case is_process_alive(Pid) of
                true -> {error, already_registered};
                false -> start_responder(IP, Name, Port)
            end;
        {Pid, _, _} ->
            Ref = erlang:monitor(process, Pid),
            exit(Pid, kill),
            receive {'DOWN', Ref, _, _, _} -> ok end,
            start_responder(IP, Name, Port);
        undefined ->
            start_responder(IP, Name, Port)
    end.

start_responder(IP, Name, Port) ->
    Parent = self(),
    Tag = make_ref(),
    spawn(fun() ->
        link(Parent),
        Opts = [binary, {ip, IP}, {reuseaddr, true}, {active, false}, {packet, 0}],
        case gen_tcp:listen(epmd_port(), Opts) of
            {ok, LSock} ->
                persistent_term:put(?PT, {self(), Name, Port}),
                %% 32-bit "creation" as epmd's ALIVE2_X_RESP gives since OTP 23: differs on every restart, so peers
                %% never mistake pids of the previous incarnation of a restarted pod for live ones
                Parent ! {Tag, {ok, 3 + rand:uniform(16#fffffff0)}},
                serve(LSock, Name, Port);
            Err ->
                Parent ! {Tag, Err}
        end
    end),
    receive {Tag, Reply} -> Reply after 10000 -> {error, e2e_pod_epmd_timeout} end.

serve(LSock, Name, Port) ->
    case gen_tcp:accept(LSock) of
        {ok, S} -> answer(S, Name, Port), serve(LSock, Name, Port);
        {error, closed} -> ok;
        {error, _} -> serve(LSock, Name, Port)
    end.

%% Protocol: https://www.erlang.org/doc/apps/erts/erl_dist_protocol.html (PORT_PLEASE2_REQ = 122, PORT2_RESP = 119,
%% NAMES_REQ = 110). Node type 77 = normal Erlang node, protocol 0 = tcp/ipv4, versions 6..5 (OTP 23+ accepts).
answer(S, Name, Port) ->
    case gen_tcp:recv(S, 2, 2000) of
        {ok, <<Len:16>>} when Len > 0 ->
            case gen_tcp:recv(S, Len, 2000) of
                {ok, <<122, Name/binary>>} ->
                    gen_tcp:send(S, <<119, 0, Port:16, 77, 0, 6:16, 5:16, (byte_size(Name)):16, Name/binary, 0:16>>);
                {ok, <<122, _/binary>>} ->
                    gen_tcp:send(S, <<119, 1>>);
                {ok, <<110>>} ->
                    gen_tcp:send(S, [<<(epmd_port()):32>>, io_lib:format("name ~s at port ~b~n", [Name, Port])]);
                _ -> ok
            end;
        _ -> ok
    end,
    gen_tcp:close(S).
